"""Consistency checks of the knowledge base (`neuroconcepts kb check`)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import networkx as nx

from pipeline.kb.concepts import RELATIONS, KnowledgeBase, check_relations


GENERATED_SUFFIX = "_vocabulary.tsv"


def duplicate_ids(kb: KnowledgeBase, own_files: Iterable[Path]) -> list[str]:
    """Ids defined more than once in the knowledge base's own files. Extra files, and the
    generated vocabulary files (*_vocabulary.tsv, scripts/derive_vocabularies.py), may extend
    a concept of the other files; each id is defined once among the others and once among them."""
    own = tuple(str(path) for path in own_files)
    problems = []
    for concept_id, origins in kb.origins.items():
        mine = [origin for origin in origins if origin.startswith(own)]
        generated = [origin for origin in mine if origin.rsplit(":", 1)[0].endswith(GENERATED_SUFFIX)]
        if len(generated) > 1 or len(mine) - len(generated) > 1:
            problems.append(f"{concept_id}: defined more than once ({', '.join(mine)})")
    return problems


def relation_targets(kb: KnowledgeBase) -> list[str]:
    """member_of must point at a NEURAL_SYSTEM, is_a at a concept of the same type."""
    problems = []
    for concept in kb:
        for target in concept.member_of:
            if target in kb and kb[target].type != "NEURAL_SYSTEM":
                problems.append(f"{concept.id}: member_of {target}, a {kb[target].type}, not a NEURAL_SYSTEM")
        for target in concept.is_a:
            if target in kb and kb[target].type != concept.type:
                problems.append(f"{concept.id}: is_a {target}, a {kb[target].type}, not a {concept.type}")
    return problems


def cycles(kb: KnowledgeBase) -> list[str]:
    """Cycles along part_of, member_of or is_a (a concept that is its own ancestor)."""
    problems = []
    for relation in RELATIONS:
        graph = nx.DiGraph((c.id, t) for c in kb for t in getattr(c, relation) if t in kb)
        for component in nx.strongly_connected_components(graph):
            if len(component) > 1 or any(graph.has_edge(n, n) for n in component):
                problems.append(f"{relation} cycle: {' -> '.join(sorted(component))}")
    return problems


def alias_rule_targets(kb: KnowledgeBase) -> list[str]:
    """Alias rules that name a concept the knowledge base does not have."""
    return [f"{rule.origin}: concept {rule.concept_id!r} is not in the knowledge base"
            for rule in kb.alias_rules if rule.concept_id and rule.concept_id not in kb]


def check_kb(kb: KnowledgeBase, own_files: Iterable[Path], collisions: Iterable) -> list[str]:
    """Every problem found, one message each; an empty list means the knowledge base is consistent.

    `collisions` are the matcher's unsettled shared aliases (patterns.resolve_patterns).
    """
    return [
        *duplicate_ids(kb, own_files), *check_relations(kb), *relation_targets(kb), *cycles(kb),
        *alias_rule_targets(kb),
        *(f"alias {c.alias!r} is claimed by {', '.join(c.concept_ids)} with no rule in alias_rules.tsv" for c in collisions),
    ]
