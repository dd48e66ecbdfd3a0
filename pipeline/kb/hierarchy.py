"""Rolling concepts up the knowledge base's hierarchy, for graphs at coarser levels.

- ``leaf``: every concept as it is.
- ``region``: a brain region becomes the nearest region-level concept above it along
  part_of (models/kb/region_level.tsv lists them: amygdala, nucleus accumbens,
  hippocampus...), so the basolateral and central amygdala become the amygdala.
- ``system``: a concept becomes the neural systems it is a member_of, its own or, when
  it has none, those of the nearest concepts above it along part_of (the VTA and the
  nucleus accumbens become the mesolimbic dopamine system; the BNST and the central
  amygdala the extended amygdala). A concept in two systems counts in both.

Concepts with nothing above them at the level asked stay as they are.
"""

from __future__ import annotations

from typing import Callable, Iterable

from pipeline.errors import KnowledgeBaseError
from pipeline.kb.concepts import REGION_LEVEL_FILE, KnowledgeBase

LEVELS = ("leaf", "region", "system")


def _nearest_above(kb: KnowledgeBase, concept_id: str, found: Callable[[str], Iterable[str]]) -> tuple[str, ...]:
    """Breadth-first up part_of: what `found` gives at the nearest level that gives anything."""
    level, seen = [concept_id], {concept_id}
    while level:
        answers = sorted({answer for c in level for answer in found(c)})
        if answers:
            return tuple(answers)
        level = [p for c in level for p in kb[c].part_of if p in kb and p not in seen]
        seen.update(level)
    return ()


def rollup_map(kb: KnowledgeBase, level: str) -> dict[str, tuple[str, ...]]:
    """For every concept that changes at this level, the concept ids it becomes."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if level == "leaf":
        return {}
    if level == "region":
        targets = set(kb.region_level)
        unknown = sorted(targets - set(kb.concepts))
        if unknown:
            raise KnowledgeBaseError(f"{REGION_LEVEL_FILE}: {', '.join(unknown)} not in the knowledge base")

        def found(concept_id: str) -> Iterable[str]:
            return (concept_id,) if concept_id in targets else ()

        candidates = [c.id for c in kb if c.type == "BRAIN_REGION"]
    else:
        def found(concept_id: str) -> Iterable[str]:
            return kb[concept_id].member_of

        candidates = [c.id for c in kb if c.type != "NEURAL_SYSTEM"]
    mapping = {}
    for concept_id in candidates:
        groups = _nearest_above(kb, concept_id, found)
        if groups and groups != (concept_id,):
            mapping[concept_id] = groups
    return mapping
