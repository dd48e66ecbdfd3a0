"""What the readers yield: a Record to annotate, or a Rejection with its reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Reasons a record is rejected (the first words of Rejection.reason).
EMPTY_TEXT = "empty text"
BAD_ENCODING = "bad encoding"
MALFORMED = "malformed record"
DUPLICATE_ID = "duplicate id"
TOO_LONG = "too long"

YEARS = (1, 9999)  # the years a record may carry (documents.parquet's year is an int32; 0 means "no year" in the graph)
_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair: JSON's "\ud800" decodes to one, UTF-8 cannot hold it


@dataclass(frozen=True)
class Record:
    """One document: its id, title and abstract, and where it came from.

    Mention offsets are character offsets into `text`, which is title + " " + abstract
    (just the one that is present when the other is empty).
    """

    doc_id: str
    title: str
    abstract: str
    source: str
    position: str
    year: int | None = None
    journal: str = ""
    mesh: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        if self.title and self.abstract:
            return f"{self.title} {self.abstract}"
        return self.title or self.abstract


@dataclass(frozen=True)
class Rejection:
    """An input record that was not processed, with the file, position and reason."""

    source: str
    position: str
    reason: str
    doc_id: str | None = None

    @property
    def kind(self) -> str:
        """The reason without its details: "empty text", "duplicate id"..."""
        return self.reason.split(":")[0].split(" (")[0]

    def as_dict(self) -> dict:
        return {"source": self.source, "position": self.position, "doc_id": self.doc_id, "reason": self.reason}


def parse_year(value) -> int | None:
    """A publication year from an int or a string such as "2011" or "2011 Mar-Apr"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"year {value!r} is not a number")
    if isinstance(value, int):
        year = value
    else:
        text = str(value).strip()
        if not (len(text) >= 4 and text[:4].isdigit()):
            raise ValueError(f"year {value!r} is not a number")
        year = int(text[:4])
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"year {value!r} out of range ({YEARS[0]} to {YEARS[1]})")
    return year


def _lone_surrogate(fields: dict) -> str | None:
    """The first field holding a lone surrogate, as "U+D800 in abstract", or None (values that are not text are passed over)."""
    for name, value in fields.items():
        for text in value if isinstance(value, tuple) else (value,):
            found = _SURROGATE.search(text) if isinstance(text, str) else None
            if found:
                return f"U+{ord(found.group()):04X} in {name}"
    return None


def make_record(source: str, position: str, doc_id, title, abstract, year=None, journal="", mesh=()) -> Record | Rejection:
    """Validate the fields of one record and build it, or reject it with a reason."""
    if doc_id is None or str(doc_id).strip() == "":
        return Rejection(source, position, f"{MALFORMED}: no id")
    doc_id = str(doc_id).strip()
    surrogate = _lone_surrogate({"id": doc_id, "title": title, "abstract": abstract, "journal": journal, "mesh": tuple(mesh)})
    if surrogate:
        printable_id = doc_id.encode("utf-8", "backslashreplace").decode("utf-8")
        return Rejection(source, position, f"{BAD_ENCODING}: lone surrogate {surrogate}", printable_id)
    for name, value in (("title", title), ("abstract", abstract), ("journal", journal)):
        if value is not None and not isinstance(value, str):
            return Rejection(source, position, f"{MALFORMED}: {name} is not a string", doc_id)
    title = " ".join((title or "").split())
    abstract = (abstract or "").strip()
    if not title and not abstract:
        return Rejection(source, position, EMPTY_TEXT, doc_id)
    try:
        year = parse_year(year)
    except ValueError as err:
        return Rejection(source, position, f"{MALFORMED}: {err}", doc_id)
    return Record(doc_id, title, abstract, source, position, year, (journal or "").strip(), tuple(mesh))


def check_length(record: Record, limit: int) -> Record | Rejection:
    """The record, or its rejection when its text is longer than the pipeline takes
    (spaCy's nlp.max_length, 1,000,000 characters by default)."""
    length = len(record.text)
    if length <= limit:
        return record
    return Rejection(record.source, record.position, f"{TOO_LONG}: {length:,} characters (limit {limit:,})", record.doc_id)


class FirstSeen:
    """Where each document id was first seen ("file:position"), across a whole corpus."""

    def __init__(self) -> None:
        self._where: dict[str, str] = {}

    def earlier(self, doc_id: str, where: str) -> str | None:
        """Where this id was seen before another record at `where`, or None if it is new here."""
        first = self._where.setdefault(doc_id, where)
        return first if first != where else None


def duplicate(record: Record, first_at: str) -> Rejection:
    """The rejection of a record whose id was first seen at `first_at`."""
    return Rejection(record.source, record.position, f"{DUPLICATE_ID} (first at {first_at})", record.doc_id)
