"""Counts of the knowledge base (`neuroconcepts kb stats`)."""

from __future__ import annotations

from collections import Counter

from pipeline.kb.concepts import LABELS, RELATIONS, KnowledgeBase


def kb_stats(kb: KnowledgeBase) -> dict:
    """Concepts, aliases and relations per type, and the number of alias rules."""
    concepts: Counter = Counter()
    aliases: Counter = Counter()
    relations: dict[str, Counter] = {label: Counter() for label in LABELS}
    for concept in kb:
        concepts[concept.type] += 1
        aliases[concept.type] += len({concept.name, *concept.synonyms, *concept.abbreviations, *concept.abbreviations_if_defined})
        for relation in RELATIONS:
            relations[concept.type][relation] += len(getattr(concept, relation))
    return {
        "concepts": len(kb),
        "concepts_by_type": {label: concepts[label] for label in LABELS},
        "aliases_by_type": {label: aliases[label] for label in LABELS},
        "relations_by_type": {label: {r: relations[label][r] for r in RELATIONS} for label in LABELS},
        "alias_rules": len(kb.alias_rules),
    }
