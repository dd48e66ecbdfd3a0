"""What the gold-corpus readers yield: a document with its gold entity spans."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import InputError
from pipeline.read import Record


@dataclass(frozen=True, order=True)
class GoldEntity:
    """One annotated span: character offsets into the document text, end exclusive."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class GoldDocument:
    """A record (its text is title + " " + abstract) and its gold entities, sorted by offset."""

    record: Record
    entities: tuple[GoldEntity, ...]


def gold_document(source: str, position: str, doc_id: str, title: str, abstract: str, entities: list[GoldEntity]) -> GoldDocument:
    """Build a GoldDocument; spans outside the text or empty raise InputError naming the file and position."""
    record = Record(doc_id, title, abstract, source, position)
    length = len(record.text)
    for entity in entities:
        if not 0 <= entity.start < entity.end <= length:
            raise InputError(source, position, f"document {doc_id}: span {entity.start}-{entity.end} is outside its text (length {length})")
    return GoldDocument(record, tuple(sorted(entities)))
