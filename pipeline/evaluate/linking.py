"""Linking accuracy, measured on held-out synonyms of the knowledge base.

The gold corpora carry no concept ids, so the linker is measured on what the
knowledge base itself knows: one synonym of every fifth concept that has at least
two other names (chosen by a stable hash of concept id and synonym) is taken out of the
knowledge base, the linker is built on the rest, and each held-out synonym is linked
with its concept's type. A synonym is *correct* when the best candidate is its own
concept; at a threshold, *linked* is the share that reaches it and *precision* the
share of those linked to the right concept (a wrong link merges two concepts in the
graph; an unlinked mention only stays apart).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from pipeline.annotate.linking import Linker, linking_form
from pipeline.kb import KnowledgeBase

THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
HELD_OUT_EVERY = 5


def _stable_hash(*parts: str) -> int:
    return int(hashlib.sha1("\t".join(parts).encode()).hexdigest()[:12], 16)


def held_out_synonyms(kb: KnowledgeBase) -> tuple[KnowledgeBase, list[tuple[str, str, str]]]:
    """The knowledge base without the held-out synonyms, and those synonyms: (text, type, concept id)."""
    reduced = KnowledgeBase()
    held_out = []
    for concept in kb:
        others = {linking_form(alias) for alias in (concept.name, *concept.synonyms)}
        if len(others) >= 3 and _stable_hash(concept.id) % HELD_OUT_EVERY == 0:
            synonym = min(concept.synonyms, key=lambda alias: _stable_hash(concept.id, alias))
            kept = tuple(s for s in concept.synonyms if linking_form(s) != linking_form(synonym))
            concept = replace(concept, synonyms=kept)
            held_out.append((synonym, concept.type, concept.id))
        reduced.add(concept)
    return reduced, held_out


def linking_accuracy(kb: KnowledgeBase, threshold: float) -> dict:
    """Accuracy of the linker on held-out synonyms, overall and at each of THRESHOLDS."""
    reduced, held_out = held_out_synonyms(kb)
    linker = Linker(reduced, cached=False)
    best = linker.best([linking_form(text) for text, _, _ in held_out], [label for _, label, _ in held_out])
    outcomes = [(concept == truth, similarity) for (_, _, truth), (concept, similarity) in zip(held_out, best)]
    by_threshold = {}
    for t in sorted({*THRESHOLDS, threshold}):
        linked = [correct for correct, similarity in outcomes if similarity >= t]
        by_threshold[f"{t:.2f}"] = {
            "linked": len(linked) / len(outcomes), "precision": sum(linked) / len(linked) if linked else 0.0,
            "correct_of_all": sum(linked) / len(outcomes),
        }
    examples = [
        {"synonym": text, "type": label, "truth": truth, "linked_to": concept or "", "similarity": similarity}
        for (text, label, truth), (concept, similarity) in zip(held_out, best) if concept != truth
    ][:10]
    return {
        "held_out": len(held_out), "concepts": len(kb), "threshold": threshold,
        "top1_accuracy": sum(correct for correct, _ in outcomes) / len(outcomes),
        "by_threshold": by_threshold, "errors": examples,
    }
