"""Contrast two corpora: a difference graph of how often each pair of concepts co-occurs.

For each corpus (an extract folder) and each pair of concepts, the pair's share is the
fraction of windows that name both: sentences naming both over all sentences (window
`sentence`), or documents naming both over all documents (`document`). The difference
graph has an edge for every pair seen in at least `min_count` windows of either corpus,
with `share_a`, `share_b`, `change` = share_b - share_a (also the edge `weight`), and a
95% percentile bootstrap interval of the change, `change_low` and `change_high`: the
documents of each corpus are resampled with replacement, independently, `resamples`
times (default 200) with numpy's seeded generator, and the shares recomputed; `significant`
is 1 when the interval leaves out 0. Nodes carry their documents in each corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, groupby
from pathlib import Path
from typing import Mapping

import networkx as nx
import numpy as np
import pyarrow.parquet as pq
from scipy import sparse

from pipeline.graph.build import WINDOWS
from pipeline.graph.edge_stats import DECIMALS
from pipeline.tabulate import DOCUMENTS_FILE, MENTIONS_FILE

RESAMPLES = 200
SEED = 0
PAIR_CHUNK = 4096  # pairs per block of bootstrap shares (memory: resamples x PAIR_CHUNK floats)


@dataclass
class CorpusPairs:
    """Per-document pair counts of one corpus: a documents x pairs matrix, windows per document,
    and the concepts (name, type, documents)."""

    pairs: list[tuple[str, str]]
    counts: sparse.csr_matrix
    windows: np.ndarray
    concepts: dict[str, tuple[str, str, int]]


def corpus_pairs(
    directory: str | Path, window: str = "sentence", groups: Mapping[str, tuple[str, ...]] | None = None,
    describe=None, exclude_negated: bool = False,
) -> CorpusPairs:
    """Count the windows each document shares for each pair, from an extract folder's tables.

    `groups` (kb.hierarchy.rollup_map) rolls concepts up, `describe` gives a group's (name, type).
    """
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}, not {window!r}")
    groups = groups or {}
    directory = Path(directory)
    documents = pq.read_table(directory / DOCUMENTS_FILE, columns=["doc_id", "n_sentences"]).to_pydict()
    row_of = {doc_id: i for i, doc_id in enumerate(documents["doc_id"])}
    windows = np.array(documents["n_sentences"] if window == "sentence" else [1] * len(row_of), dtype=float)
    columns = ["doc_id", "sent_id", "concept_id", "concept_name", "label", "negated"]
    mentions = pq.read_table(directory / MENTIONS_FILE, columns=columns).to_pylist()
    concepts: dict[str, list] = {}
    cells: dict[tuple[int, str, str], int] = {}
    for doc_id, rows in groupby(mentions, key=lambda row: row["doc_id"]):
        by_window: dict[int, set[str]] = {}
        for row in rows:
            if exclude_negated and row["negated"]:
                continue
            for group in groups.get(row["concept_id"], (row["concept_id"],)):
                name, label = describe(group) if group != row["concept_id"] else (row["concept_name"], row["label"])
                concepts.setdefault(group, [name, label, set()])[2].add(doc_id)
                by_window.setdefault(row["sent_id"] if window == "sentence" else 0, set()).add(group)
        for concept_ids in by_window.values():
            for pair in combinations(sorted(concept_ids), 2):
                key = (row_of[doc_id], *pair)
                cells[key] = cells.get(key, 0) + 1
    pairs = sorted({(a, b) for _, a, b in cells})
    column_of = {pair: i for i, pair in enumerate(pairs)}
    keys = sorted(cells)
    matrix = sparse.csr_matrix(
        ([cells[k] for k in keys], ([k[0] for k in keys], [column_of[k[1:]] for k in keys])),
        shape=(len(row_of), len(pairs)), dtype=float,
    )
    return CorpusPairs(pairs, matrix, windows, {c: (n, t, len(d)) for c, (n, t, d) in concepts.items()})


def _aligned(corpus: CorpusPairs, pairs: list[tuple[str, str]]) -> sparse.csc_matrix:
    """The corpus' documents x pairs matrix with columns in the order of `pairs` (zeros where unseen)."""
    column_of = {pair: i for i, pair in enumerate(corpus.pairs)}
    present = [(i, column_of[p]) for i, p in enumerate(pairs) if p in column_of]
    selector = sparse.csr_matrix(
        (np.ones(len(present)), ([c for _, c in present], [i for i, _ in present])), shape=(len(corpus.pairs), len(pairs)),
    )
    return (corpus.counts @ selector).tocsc()


def _resample_weights(n: int, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """resamples x n: how often each of n documents is drawn in each resample (with replacement)."""
    if n == 0:
        return np.zeros((resamples, 0), dtype=np.int32)
    return rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(np.int32)


def _bootstrap_shares(matrix: sparse.csc_matrix, windows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """resamples x pairs shares of the pairs (columns of matrix) in each resample."""
    totals = weights @ windows
    joint = np.asarray((matrix.T @ weights.T).T, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(totals[:, None] > 0, joint / totals[:, None], 0.0)


def diff_graph(
    a: CorpusPairs, b: CorpusPairs, min_count: int = 1, resamples: int = RESAMPLES, seed: int = SEED,
) -> nx.Graph:
    """The difference graph of corpora A and B (see the module doc)."""
    if resamples < 2:
        raise ValueError(f"resamples must be at least 2, not {resamples}")
    pairs = sorted(set(a.pairs) | set(b.pairs))
    matrix_a, matrix_b = _aligned(a, pairs), _aligned(b, pairs)
    joint_a, joint_b = np.asarray(matrix_a.sum(axis=0)).ravel(), np.asarray(matrix_b.sum(axis=0)).ravel()
    keep = np.flatnonzero(np.maximum(joint_a, joint_b) >= min_count)
    pairs = [pairs[i] for i in keep]
    matrix_a, matrix_b, joint_a, joint_b = matrix_a[:, keep], matrix_b[:, keep], joint_a[keep], joint_b[keep]
    share_a = joint_a / a.windows.sum() if a.windows.sum() else np.zeros(len(pairs))
    share_b = joint_b / b.windows.sum() if b.windows.sum() else np.zeros(len(pairs))
    low, high = np.zeros(len(pairs)), np.zeros(len(pairs))
    weights_a = _resample_weights(len(a.windows), np.random.default_rng([seed, 0]), resamples)
    weights_b = _resample_weights(len(b.windows), np.random.default_rng([seed, 1]), resamples)
    for start in range(0, len(pairs), PAIR_CHUNK):
        chunk = slice(start, min(start + PAIR_CHUNK, len(pairs)))
        change = (_bootstrap_shares(matrix_b[:, chunk], b.windows, weights_b)
                  - _bootstrap_shares(matrix_a[:, chunk], a.windows, weights_a))
        low[chunk], high[chunk] = np.percentile(change, [2.5, 97.5], axis=0)
    graph = nx.Graph(resamples=resamples, seed=seed)
    for concept_id in sorted({c for pair in pairs for c in pair}):
        name, label, _ = a.concepts.get(concept_id) or b.concepts[concept_id]
        graph.add_node(
            concept_id, label=name, name=name, type=label,
            documents_a=a.concepts.get(concept_id, ("", "", 0))[2], documents_b=b.concepts.get(concept_id, ("", "", 0))[2],
        )
    for i, (source, target) in enumerate(pairs):
        change = round(float(share_b[i] - share_a[i]), DECIMALS + 2) + 0.0
        graph.add_edge(
            source, target, weight=change, change=change,
            change_low=round(float(low[i]), DECIMALS + 2) + 0.0, change_high=round(float(high[i]), DECIMALS + 2) + 0.0,
            share_a=round(float(share_a[i]), DECIMALS + 2), share_b=round(float(share_b[i]), DECIMALS + 2),
            windows_a=int(joint_a[i]), windows_b=int(joint_b[i]), significant=int(low[i] > 0 or high[i] < 0),
        )
    return graph
