"""Token-level IOB corpora (BC5CDR, NCBI disease, ...): one ``token<TAB>tag`` a line.

The form read, as in the MTL-Bioinformatics-2016 releases of BC5CDR and NCBI disease:

- one token a line, its tag in the last tab-separated field (``B-Chemical``,
  ``I-Disease``, ``O``; space-separated on a line without a tab); other fields between
  them are ignored; a UTF-8 byte-order mark is skipped;
- a blank line (or whitespace only) ends a sentence; ``-DOCSTART-`` lines are skipped;
- an ``I-X`` that follows ``O`` or another type starts a mention (IOB1, as conlleval
  reads it); a tag that is neither ``O`` nor ``B-``/``I-`` and a type stops the
  reading with InputError naming the file and line.

The files hold tokens, not text. Each sentence's text is rebuilt from its tokens
(sentence_text) as the original is likeliest to have read: tokens joined by one space,
except none before closing punctuation (``. , ; : ) ] } %`` and ``'s``-like
apostrophes), none after opening brackets, and none on either side of ``-`` and ``/``
("Selegiline - induced" was "Selegiline-induced"). The pipeline then reads that text
as it reads any abstract, and its mentions are mapped back onto the file's tokens
(tokens_covering): a mention covers every file token it overlaps.

The files do not mark where one abstract ends and the next begins, so consecutive
sentences are read in groups of SENTENCES_PER_DOCUMENT (about an abstract's length),
joined by a space, as one document (read_iob_documents): a short form defined in one
sentence ("atrial fibrillation (AF)") is then known in the next, as it is in an abstract.

Types: a file's types are scored with our labels mapped onto them (IOB_TYPE_LABELS,
by the type's name in any case): Chemical <- DRUG, NEUROCHEMICAL (and the NER's own
CHEMICAL, before typing); Disease <- DISORDER, SYMPTOM (and DISEASE); a type named as
one of our labels (BRAIN_REGION...) <- that label. Predictions of other labels are
ignored, and a type with no label mapped onto it is scored with no predictions.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from pipeline.errors import InputError
from pipeline.evaluate.corpus import GoldDocument, GoldEntity, gold_document
from pipeline.kb import LABELS

OUTSIDE = "O"
DOCSTART = "-DOCSTART-"
NO_SPACE_BEFORE = frozenset({".", ",", ";", ":", ")", "]", "}", "%", "?", "!", "-", "/", "'", "’"})
NO_SPACE_AFTER = frozenset({"(", "[", "{", "-", "/"})
SENTENCES_PER_DOCUMENT = 10
# Our labels that count as each IOB type (by its lower-cased name); see the module docstring.
IOB_TYPE_LABELS = {
    "chemical": ("DRUG", "NEUROCHEMICAL", "CHEMICAL"),
    "disease": ("DISORDER", "SYMPTOM", "DISEASE"),
}


@dataclass(frozen=True)
class IobSentence:
    """One sentence of an IOB file: its tokens and mentions (token start, token end exclusive, type)."""

    source: str
    line: int  # the line of its first token
    tokens: tuple[str, ...]
    mentions: tuple[tuple[int, int, str], ...]

    def text_and_offsets(self) -> tuple[str, list[tuple[int, int]]]:
        """The sentence's rebuilt text and the character span of each token in it."""
        return sentence_text(self.tokens)

    def entities(self, offsets: Sequence[tuple[int, int]]) -> set[GoldEntity]:
        """The gold mentions as character spans of the rebuilt text."""
        return {GoldEntity(offsets[start][0], offsets[end - 1][1], label) for start, end, label in self.mentions}


def sentence_text(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Rebuild a sentence's text from its tokens (see the module docstring): the text and each token's character span."""
    parts: list[str] = []
    offsets = []
    position = 0
    for i, token in enumerate(tokens):
        if i and not (token in NO_SPACE_BEFORE or tokens[i - 1] in NO_SPACE_AFTER or _is_clitic(tokens, i)):
            parts.append(" ")
            position += 1
        parts.append(token)
        offsets.append((position, position + len(token)))
        position += len(token)
    return "".join(parts), offsets


def _is_clitic(tokens: Sequence[str], i: int) -> bool:
    """Whether token i is the "s" (or "t") after an apostrophe: "Parkinson ' s" was "Parkinson's"."""
    return tokens[i] in ("s", "S", "t") and i >= 2 and tokens[i - 1] in ("'", "’") and tokens[i - 2][-1:].isalnum()


def tokens_covering(offsets: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The file tokens (first, last + 1) that the character span start-end overlaps, or None.
    offsets are the tokens' character spans, in order."""
    first = bisect_right([b for _, b in offsets], start)
    last = bisect_left([a for a, _ in offsets], end)
    return (first, last) if first < last else None


@dataclass(frozen=True)
class IobDocument(GoldDocument):
    """Consecutive sentences of an IOB file as one document (see the module docstring):
    gold entities labelled with the file's types, and each file token's character span."""

    offsets: tuple[tuple[int, int], ...] = ()
    sentences: int = 0

    def file_span(self, start: int, end: int, label: str) -> GoldEntity | None:
        """A predicted character span widened to the file tokens it overlaps."""
        covered = tokens_covering(self.offsets, start, end)
        return GoldEntity(self.offsets[covered[0]][0], self.offsets[covered[1] - 1][1], label) if covered else None


def read_iob_documents(path: str | Path, group: int = SENTENCES_PER_DOCUMENT) -> Iterator[IobDocument]:
    """The sentences of an IOB file in groups of `group`, each group one document."""
    batch: list[IobSentence] = []
    for sentence in read_iob(path):
        batch.append(sentence)
        if len(batch) == group:
            yield _document(batch)
            batch = []
    if batch:
        yield _document(batch)


def _document(sentences: list[IobSentence]) -> IobDocument:
    parts, offsets, entities = [], [], []
    position = 0
    for sentence in sentences:
        text, sentence_offsets = sentence.text_and_offsets()
        shifted = [(a + position, b + position) for a, b in sentence_offsets]
        entities += sentence.entities(shifted)
        offsets += shifted
        parts.append(text)
        position += len(text) + 1
    first = sentences[0]
    gold = gold_document(first.source, f"line {first.line}", f"line {first.line}", "", " ".join(parts), entities)
    return IobDocument(gold.record, gold.entities, offsets=tuple(offsets), sentences=len(sentences))


def label_types(types: Iterable[str]) -> dict[str, str]:
    """Our label -> the file's type it is scored as (see the module docstring)."""
    mapping = {}
    for file_type in types:
        for label in IOB_TYPE_LABELS.get(file_type.lower(), ()):
            mapping[label] = file_type
        if file_type.upper() in LABELS:
            mapping[file_type.upper()] = file_type
    return mapping


def _parse_tag(tag: str, source: str, line_number: int) -> tuple[str, str]:
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, dash, label = tag.partition("-")
    if prefix not in ("B", "I") or not dash or not label:
        raise InputError(source, f"line {line_number}", f"tag {tag!r} is not O, B-<type> or I-<type>")
    return prefix, label


def read_iob(path: str | Path) -> Iterator[IobSentence]:
    """Yield the sentences of an IOB file in order; a line that breaks the form raises InputError."""
    source = str(path)
    try:
        handle = open(path, encoding="utf-8-sig", newline=None)
    except OSError as err:
        raise InputError(source, "", f"cannot read the IOB file: {err.strerror or err}") from None
    tokens: list[str] = []
    mentions: list[tuple[int, int, str]] = []
    first_line = 0
    open_mention: tuple[int, str] | None = None  # (token start, type)
    sentences = 0

    def sentence() -> IobSentence:
        if open_mention:
            mentions.append((open_mention[0], len(tokens), open_mention[1]))
        return IobSentence(source, first_line, tuple(tokens), tuple(mentions))

    with handle:
        line_number = 0
        try:
            for line_number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    if tokens:
                        yield sentence()
                        sentences += 1
                    tokens, mentions, open_mention = [], [], None
                    continue
                fields = line.split("\t") if "\t" in line else line.split()
                if len(fields) < 2:
                    raise InputError(source, f"line {line_number}", "expected TOKEN<TAB>TAG (one field on this line)")
                token, tag = fields[0], fields[-1].strip()
                if token == DOCSTART:
                    continue
                if not token.strip():
                    raise InputError(source, f"line {line_number}", "empty token")
                prefix, label = _parse_tag(tag, source, line_number)
                if not tokens:
                    first_line = line_number
                i = len(tokens)
                continues = prefix == "I" and open_mention is not None and open_mention[1] == label
                if open_mention and not continues:
                    mentions.append((open_mention[0], i, open_mention[1]))
                    open_mention = None
                if prefix in ("B", "I") and not continues:
                    open_mention = (i, label)
                tokens.append(token.strip())
        except UnicodeDecodeError as err:
            raise InputError(source, f"line {line_number + 1}", f"not UTF-8 text ({err.reason})") from None
    if tokens:
        yield sentence()
        sentences += 1
    if not sentences:
        raise InputError(source, "", "no sentences: expected lines TOKEN<TAB>TAG with a blank line after each sentence")


def iob_types(sentences: Sequence[IobSentence]) -> list[str]:
    """The mention types a file uses, sorted."""
    return sorted({label for sentence in sentences for _, _, label in sentence.mentions})
