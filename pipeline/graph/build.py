"""Build the concept graph (NetworkX) from co-occurrence counts.

One node per concept, one undirected edge per pair of concepts that occur in the same
window (a sentence, or a whole document). Edges carry the window counts, the statistics
of pipeline.graph.edge_stats (computed over all pairs, before any pruning), what the pair's
documents say (years, species, affirmed and negated windows) and the directed relations
its sentences state; `metric` chooses which statistic is also written as `weight`.

The graph is pruned in this order: `min_count` (concepts in fewer documents, pairs
sharing fewer windows), then the disparity-filter `backbone` (Serrano, Boguñá &
Vespignani 2009, PNAS 106:6483) on the shared-window counts, then `top_k`, the k
strongest edges of each node by the metric (an edge stays when it is among the k of
either end). Nodes then get their Louvain `community` (seeded), `degree_centrality`
and `betweenness` (estimated from seeded pivots in large graphs: betweenness_pivots).
"""

from __future__ import annotations

from typing import Mapping

import networkx as nx
import numpy as np

from pipeline.annotate.linking import is_linked
from pipeline.annotate.species import species_attribute
from pipeline.count.counts import BACKWARD, WINDOW_COLUMNS, ConceptCount, CooccurrenceCounts, PairCount
from pipeline.graph.edge_stats import DECIMALS, METRICS, edge_statistics, npmi

__all__ = ["WINDOWS", "METRICS", "build_graph", "id_list", "npmi", "prune_backbone", "prune_top_k", "add_node_structure"]

WINDOWS = tuple(WINDOW_COLUMNS)
SEED = 0
# Betweenness is exact while it costs at most this many visits (a breadth-first search from
# every node, each visiting every node and edge: about 10 s of networkx); above, it is
# estimated from as many seeded pivot nodes as that allows (networkx's k sampling), and at
# least MIN_PIVOTS.
BETWEENNESS_VISITS = 20_000_000
MIN_PIVOTS = 20
_ID_ESCAPES = str.maketrans({"%": "%25", ";": "%3B", "\t": "%09", "\n": "%0A", "\r": "%0D"})


def id_list(ids) -> str:
    """Ids as one `;`-separated attribute (pmids, xrefs), each with %, ;, tab, LF and CR
    percent-encoded (%25, %3B, %09, %0A, %0D; urllib.parse.unquote restores an id)."""
    return ";".join(str(i).translate(_ID_ESCAPES) for i in ids)


def _window_count(count, window: str) -> int:
    return count.sentences if window == "sentence" else count.documents


def _shared_count(concept: ConceptCount, window: str) -> int:
    """The concept's total link strength: windows shared with other concepts, over all its pairs."""
    return concept.shared_sentences if window == "sentence" else concept.shared_documents


def _relation_attributes(pair: PairCount, source: str, target: str, names: Mapping[str, str]) -> dict:
    """relation, relation_source, relation_target, relation_count, relations and relation_evidence of an edge."""
    def ends(key: str) -> tuple[str, str]:
        return (target, source) if key.endswith(BACKWARD) else (source, target)

    ranked = sorted(pair.relations.items(), key=lambda item: (-item[1], item[0]))
    if not ranked:
        return {"relation": "", "relation_source": "", "relation_target": "", "relation_count": 0, "relations": "", "relation_evidence": ""}
    top, n = ranked[0]
    subject, obj = ends(top)
    return {
        "relation": top[:-1], "relation_source": subject, "relation_target": obj, "relation_count": n,
        "relations": "; ".join(f"{names[ends(k)[0]]} {k[:-1]} {names[ends(k)[1]]} ({c})" for k, c in ranked),
        "relation_evidence": pair.relation_evidence.get(top, ((), ""))[1],
    }


def build_graph(
    counts: CooccurrenceCounts,
    window: str = "sentence",
    min_count: int = 1,
    xrefs: Mapping[str, tuple[str, ...]] | None = None,
    metric: str = "count",
    top_k: int = 0,
    backbone: float | None = None,
    exclude_negated: bool = False,
    unlinked: bool = True,
) -> nx.Graph:
    """The concept graph: nodes are concepts mentioned in at least `min_count` documents,
    edges pairs sharing at least `min_count` windows (sentences or documents), pruned by
    `backbone` (alpha of the disparity filter) and `top_k` (0: no limit); see the module doc.

    With `exclude_negated`, negated mentions are left out of every count (counts.affirmed).
    Without `unlinked`, the concepts of NER mentions linked to no knowledge-base concept
    (NC:unlinked:...) are left out, with their edges, as pruning leaves them out: the
    statistics of the other edges stay those over all pairs.
    """
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}, not {window!r}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    xrefs = xrefs or {}
    affirmed = counts.affirmed_counts()
    used = affirmed if exclude_negated else counts
    species = sorted(counts.species)
    graph = nx.Graph(
        window=window, documents=counts.documents, sentences=counts.sentences, metric=metric,
        exclude_negated=int(exclude_negated),
    )
    for concept_id in sorted(used.concepts):
        concept = used.concepts[concept_id]
        if concept.documents >= min_count and (unlinked or is_linked(concept_id)):
            graph.add_node(
                concept_id, label=concept.name, name=concept.name, type=concept.type,
                mentions=concept.mentions, documents=concept.documents,
                xrefs=id_list(xrefs.get(concept_id, ())),
                **{species_attribute(tag): concept.species.get(tag, 0) for tag in species},
            )
    keys = sorted(used.pairs)
    concept_ids = sorted(used.concepts)
    index = {c: i for i, c in enumerate(concept_ids)}
    left_ids = np.array([index[a] for a, _ in keys], dtype=np.int64)
    right_ids = np.array([index[b] for _, b in keys], dtype=np.int64)
    joint = np.array([_window_count(used.pairs[k], window) for k in keys], dtype=np.int64)
    occurrences = np.array([_window_count(used.concepts[c], window) for c in concept_ids], dtype=np.int64)
    strength = np.array([_shared_count(used.concepts[c], window) for c in concept_ids], dtype=np.int64)
    total = counts.sentences if window == "sentence" else counts.documents
    stats = edge_statistics(
        joint, occurrences[left_ids], occurrences[right_ids], total, strength[left_ids], strength[right_ids], int(strength.sum()),
    ) if keys else {}
    names = {c: used.concepts[c].name for c in concept_ids}
    for row, (source, target) in enumerate(keys):
        pair = used.pairs[(source, target)]
        shared = int(joint[row])
        if shared < min_count or source not in graph or target not in graph:
            continue
        affirmed_pair = affirmed.pairs.get((source, target))
        affirmed_windows = _window_count(affirmed_pair, window) if affirmed_pair else 0
        everything = _window_count(counts.pairs[(source, target)], window)
        attributes = {name: float(values[row]) for name, values in stats.items()}
        graph.add_edge(
            source, target, weight=float(shared) if metric == "count" else attributes[metric],
            sentences=pair.sentences, documents=pair.documents, **attributes,
            first_year=pair.first_year, last_year=pair.last_year,
            affirmed=affirmed_windows, negated=everything - affirmed_windows,
            **{species_attribute(tag): pair.species.get(tag, 0) for tag in species},
            **_relation_attributes(pair, source, target, names),
            pmids=id_list(pair.doc_ids), evidence=pair.evidence,
        )
    shared_windows = WINDOW_COLUMNS[window]
    if backbone is not None:
        prune_backbone(graph, backbone, shared_windows)
    if top_k:
        prune_top_k(graph, top_k, "weight")
    add_node_structure(graph, shared_windows)
    return graph


def prune_backbone(graph: nx.Graph, alpha: float, weight: str) -> None:
    """Keep the edges the disparity filter finds significant at `alpha` for at least one end.

    For node i of degree k and strength s, edge (i, j) of weight w has
    alpha_ij = (1 - w / s) ** (k - 1), the probability of an edge that strong under a
    uniform split of s over k edges; it is significant when alpha_ij < alpha. The edge of
    a node of degree 1 is never significant for that node (alpha_ij = 1).
    """
    if not 0 < alpha <= 1:
        raise ValueError(f"backbone alpha must be in (0, 1], not {alpha}")
    strength = dict(graph.degree(weight=weight))
    degree = dict(graph.degree())

    def significant(node, w) -> bool:
        return degree[node] > 1 and (1 - w / strength[node]) ** (degree[node] - 1) < alpha

    drop = [(u, v) for u, v, w in graph.edges(data=weight) if not (significant(u, w) or significant(v, w))]
    graph.remove_edges_from(drop)


def prune_top_k(graph: nx.Graph, k: int, weight: str) -> None:
    """Keep the edges among the k strongest (by `weight`, ties by neighbour id) of either end."""
    if k < 1:
        raise ValueError(f"top-k must be at least 1, not {k}")
    keep = set()
    for node in graph:
        ranked = sorted(graph[node].items(), key=lambda item: (-item[1][weight], str(item[0])))[:k]
        keep.update(frozenset((node, other)) for other, _ in ranked)
    graph.remove_edges_from([(u, v) for u, v in graph.edges() if frozenset((u, v)) not in keep])


def betweenness_pivots(nodes: int, edges: int) -> int | None:
    """The pivot nodes betweenness is estimated from in a graph this large; None: exact."""
    if nodes * (nodes + edges) <= BETWEENNESS_VISITS:
        return None
    return min(nodes, max(MIN_PIVOTS, BETWEENNESS_VISITS // (nodes + edges)))


def add_node_structure(graph: nx.Graph, weight: str) -> None:
    """Node attributes community (Louvain on `weight`, seeded; 0 the largest), degree_centrality
    and betweenness (unweighted; exact in small graphs, else estimated from seeded pivots:
    betweenness_pivots)."""
    communities = nx.community.louvain_communities(graph, weight=weight, seed=SEED) if graph.number_of_nodes() else []
    ordered = sorted((sorted(map(str, c)), c) for c in communities)
    ordered.sort(key=lambda item: -len(item[1]))
    community = {node: number for number, (_, members) in enumerate(ordered) for node in members}
    degree = nx.degree_centrality(graph) if graph.number_of_nodes() > 1 else dict.fromkeys(graph, 0.0)
    pivots = betweenness_pivots(graph.number_of_nodes(), graph.number_of_edges())
    betweenness = nx.betweenness_centrality(graph, k=pivots, seed=SEED)
    for node, attributes in graph.nodes(data=True):
        attributes["community"] = community[node]
        attributes["degree_centrality"] = round(float(degree[node]), DECIMALS)
        attributes["betweenness"] = round(float(betweenness[node]), DECIMALS)
