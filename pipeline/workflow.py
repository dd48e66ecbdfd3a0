"""The jobs: extract (read, annotate, tabulate, count) and graph (merge counts, build, export).

Each function works without the CLI; `pipeline.cli` only parses options and prints.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import networkx as nx
from spacy.language import Language
from tqdm import tqdm

from pipeline.annotate import annotate
from pipeline.atomic import atomic_open
from pipeline.cooccurrence import CooccurrenceCounts, read_counts, write_counts
from pipeline.export.graphml import write_graphml
from pipeline.graph import build_graph
from pipeline.kb import KnowledgeBase
from pipeline.read import FieldMap, Record, Rejection, list_inputs, read_corpus
from pipeline.tabulate import TableWriter

SUMMARY_FILE = "summary.json"
GRAPH_FILE = "graph.graphml"


def _records(items: Iterable[Record | Rejection], writer: TableWriter, tally: Counter) -> Iterable[Record]:
    """Pass records on; send rejections to the rejects file and count both."""
    for item in items:
        tally["read"] += 1
        if isinstance(item, Rejection):
            tally["rejected"] += 1
            tally["rejected: " + item.kind] += 1
            writer.reject(item)
        else:
            yield item


def extract(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    nlp: Language,
    fmt: str | None = None,
    fields: FieldMap = FieldMap(),
    progress: bool = False,
) -> dict:
    """Read the inputs, annotate every record, write the tables and counts to out_dir.

    Returns the summary (also written to summary.json): records read, processed and
    rejected (read = processed + rejected), mentions by type and concepts found.
    """
    out_dir = Path(out_dir)
    files = list_inputs(inputs, fmt)  # a missing or unknown input fails before any work
    counts = CooccurrenceCounts()
    tally: Counter = Counter()
    by_type: Counter = Counter()
    with TableWriter(out_dir) as writer:
        records = _records(read_corpus(inputs, fmt, fields), writer, tally)
        bar = tqdm(records, desc="documents", unit=" docs", disable=not progress, leave=False)
        for document in annotate(bar, nlp):
            writer.add(document)
            counts.add(document)
            by_type.update(m.label for m in document.mentions)
    write_counts(counts, out_dir)
    summary = {
        "inputs": [{"file": str(path), "format": file_format} for path, file_format in files],
        "records": {"read": tally["read"], "processed": writer.n_documents, "rejected": tally["rejected"]},
        "rejected_by_reason": {k.split(": ", 1)[1]: v for k, v in sorted(tally.items()) if k.startswith("rejected: ")},
        "sentences": counts.sentences,
        "mentions": writer.n_mentions,
        "mentions_by_type": dict(sorted(by_type.items())),
        "concepts": len(counts.concepts),
    }
    write_summary(summary, out_dir / SUMMARY_FILE)
    return summary


def write_summary(summary: dict, path: str | Path) -> None:
    """Write a summary as sorted, indented JSON, atomically."""
    with atomic_open(path) as handle:
        json.dump(summary, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def merged_counts(directories: Sequence[str | Path]) -> CooccurrenceCounts:
    """The co-occurrence counts of several extract directories, added up."""
    counts = CooccurrenceCounts()
    for directory in directories:
        counts.merge(read_counts(directory))
    return counts


def graph(
    directories: Sequence[str | Path],
    out_file: str | Path,
    kb: KnowledgeBase | None = None,
    window: str = "sentence",
    min_count: int = 1,
) -> nx.Graph:
    """Build the concept graph from one or more extract directories and write it as GraphML."""
    xrefs = {concept.id: concept.xrefs for concept in kb} if kb else {}
    concept_graph = build_graph(merged_counts(directories), window, min_count, xrefs)
    write_graphml(concept_graph, out_file)
    return concept_graph


def graph_summary(concept_graph: nx.Graph, top: int = 10) -> dict:
    """Nodes, edges, nodes by type, and the top concepts (by documents) and edges (by weight)."""
    nodes = concept_graph.nodes(data=True)
    top_concepts = sorted(nodes, key=lambda n: (-n[1]["documents"], n[0]))[:top]
    top_edges = sorted(concept_graph.edges(data=True), key=lambda e: (-e[2]["weight"], -e[2]["npmi"], e[0], e[1]))[:top]
    return {
        "window": concept_graph.graph["window"],
        "nodes": concept_graph.number_of_nodes(),
        "edges": concept_graph.number_of_edges(),
        "nodes_by_type": dict(sorted(Counter(d["type"] for _, d in nodes).items())),
        "top_concepts": [{"id": n, "name": d["name"], "type": d["type"], "documents": d["documents"]} for n, d in top_concepts],
        "top_edges": [
            {"source": nodes[u]["name"], "target": nodes[v]["name"], "weight": d["weight"], "npmi": d["npmi"]}
            for u, v, d in top_edges
        ],
    }
