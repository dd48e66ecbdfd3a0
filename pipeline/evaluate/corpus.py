"""What the gold-corpus readers yield: a document with its gold entity spans (and, where
the corpus gives them, each entity's negation and hedging flags)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from pipeline.errors import InputError
from pipeline.read import Record


@dataclass(frozen=True, order=True)
class GoldEntity:
    """One annotated span: character offsets into the document text, end exclusive."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Cue:
    """The phrase that negates or hedges a mention: character offsets, end exclusive, and its text."""

    start: int
    end: int
    text: str


FLAG_CUES = {"negated": "negation_cue", "hedged": "hedge_cue"}  # each flag of MentionContext, and the field of its cue


@dataclass(frozen=True)
class MentionContext:
    """The gold negation and hedging flags of one entity, with the cue of each true flag."""

    negated: bool
    hedged: bool
    negation_cue: Cue | None = None
    hedge_cue: Cue | None = None


@dataclass(frozen=True)
class GoldDocument:
    """A record (its text is title + " " + abstract) and its gold entities, sorted by offset.

    `context` holds the flags of the entities that carry them (none in a corpus without
    flags), keyed by entity, so that the spans are scored as they are.
    """

    record: Record
    entities: tuple[GoldEntity, ...]
    context: Mapping[GoldEntity, MentionContext] = field(default_factory=dict, hash=False, compare=False)


def gold_document(
    source: str, position: str, doc_id: str, title: str, abstract: str, entities: list[GoldEntity],
    context: Mapping[GoldEntity, MentionContext] | None = None,
) -> GoldDocument:
    """Build a GoldDocument; spans outside the text or empty raise InputError naming the file and position."""
    record = Record(doc_id, title, abstract, source, position)
    length = len(record.text)
    for entity in entities:
        if not 0 <= entity.start < entity.end <= length:
            raise InputError(source, position, f"document {doc_id}: span {entity.start}-{entity.end} is outside its text (length {length})")
    return GoldDocument(record, tuple(sorted(entities)), dict(context or {}))
