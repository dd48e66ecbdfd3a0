"""Linking: the knowledge-base concept of an NER span the concept matcher did not map.

A span that cannot be linked keeps a deterministic id, NC:unlinked:<normalised text>,
so the graph keeps it as its own node without merging it into a wrong concept.
"""

from __future__ import annotations

from spacy.tokens import Span

UNLINKED_PREFIX = "NC:unlinked:"


def unlinked_id(span: Span) -> str:
    """NC:unlinked: and the span's normalised words (token NORMs) joined by underscores."""
    return UNLINKED_PREFIX + "_".join(token.norm_ for token in span if not token.is_punct or token.text == "-")


def is_linked(concept_id: str) -> bool:
    """Whether a concept id is a knowledge-base concept rather than an unlinked mention's."""
    return not concept_id.startswith(UNLINKED_PREFIX)


def unlinked_ids(spans: list[Span]) -> list[str]:
    """Every span unlinked: what the entity merger does without a linker."""
    return [unlinked_id(span) for span in spans]
