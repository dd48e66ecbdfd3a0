"""Build the concept graph (NetworkX) from co-occurrence counts.

One node per concept, one undirected edge per pair of concepts that occur in the same
window (a sentence, or a whole document). Edge weight is the number of windows the
pair shares; npmi is the normalised pointwise mutual information over those windows.
"""

from __future__ import annotations

import math
from typing import Mapping

import networkx as nx

from pipeline.cooccurrence import CooccurrenceCounts

WINDOWS = ("sentence", "document")


def npmi(joint: int, left: int, right: int, total: int) -> float:
    """Normalised PMI of two events seen together in `joint` of `total` windows, in [-1, 1].

    1 means the two always occur together, 0 independence, -1 never together.
    """
    if joint == 0:
        return -1.0
    if joint == total:
        return 1.0
    p_joint = joint / total
    pmi = math.log(p_joint / ((left / total) * (right / total)))
    return round(pmi / -math.log(p_joint), 6)


def build_graph(
    counts: CooccurrenceCounts,
    window: str = "sentence",
    min_count: int = 1,
    xrefs: Mapping[str, tuple[str, ...]] | None = None,
) -> nx.Graph:
    """The concept graph: nodes are concepts mentioned in at least `min_count` documents,
    edges pairs sharing at least `min_count` windows (sentences or documents).
    """
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}, not {window!r}")
    xrefs = xrefs or {}
    total = counts.sentences if window == "sentence" else counts.documents
    graph = nx.Graph(window=window, documents=counts.documents, sentences=counts.sentences)
    for concept_id in sorted(counts.concepts):
        concept = counts.concepts[concept_id]
        if concept.documents >= min_count:
            graph.add_node(
                concept_id, label=concept.name, name=concept.name, type=concept.type,
                mentions=concept.mentions, documents=concept.documents,
                xrefs=";".join(xrefs.get(concept_id, ())),
            )
    for (source, target) in sorted(counts.pairs):
        pair = counts.pairs[(source, target)]
        joint = pair.sentences if window == "sentence" else pair.documents
        if joint < min_count or source not in graph or target not in graph:
            continue
        left, right = (
            (counts.concepts[c].sentences if window == "sentence" else counts.concepts[c].documents)
            for c in (source, target)
        )
        graph.add_edge(
            source, target, weight=float(joint), sentences=pair.sentences, documents=pair.documents,
            npmi=npmi(joint, left, right, total), pmids=";".join(pair.doc_ids), evidence=pair.evidence,
        )
    return graph
