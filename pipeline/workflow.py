"""The jobs: extract (read, annotate, tabulate, count) and graph (merge counts, build, export).

Each function works without the CLI; `pipeline.cli` only parses options and prints.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import networkx as nx
import pyarrow.parquet as pq
from spacy.language import Language

from pipeline import __version__
from pipeline.annotate.document import AnnotatedDocument, annotate
from pipeline.count.counts import CooccurrenceCounts, rollup_counts
from pipeline.count.merge import merge_counts
from pipeline.count.store import AFFIRMED_CONCEPTS_FILE, AFFIRMED_PAIRS_FILE, CONCEPTS_FILE, PAIRS_FILE, TOTALS_FILE, read_counts
from pipeline.export import export_graph, export_paths
from pipeline.export.graphml import write_graphml
from pipeline.files import outdir
from pipeline.files.atomic import atomic_open, naming
from pipeline.graph.build import build_graph
from pipeline.kb import KnowledgeBase, kb_files, read_kb
from pipeline.kb.check import check_kb
from pipeline.kb.hierarchy import rollup_map
from pipeline.read import FieldMap, Record, Rejection, list_inputs
from pipeline.read.records import check_length
from pipeline.scale.distribute import run_partitions
from pipeline.scale.partition import PARTS_DIR, join_parts
from pipeline.tabulate import DOCUMENTS_FILE, MENTIONS_CSV, MENTIONS_FILE, REJECTS_FILE

SUMMARY_FILE = "summary.json"
MENTION_COLUMNS = ["doc_id", "sent_id", "concept_id", "concept_name", "label", "negated"]
GRAPH_FILE = "graph.graphml"
COUNT_FILES = (CONCEPTS_FILE, PAIRS_FILE, AFFIRMED_CONCEPTS_FILE, AFFIRMED_PAIRS_FILE, TOTALS_FILE)
EXTRACT_FILES = (DOCUMENTS_FILE, MENTIONS_FILE, MENTIONS_CSV, REJECTS_FILE, *COUNT_FILES)  # sizes kept in complete.json


def extract(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    nlp: Language,
    fmt: str | None = None,
    fields: FieldMap = FieldMap(),
    progress: bool = False,
    workers: int = 1,
    engine: str = "processes",
    scheduler: str | None = None,
    partition_size: int | None = None,
    keep_parts: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Read the inputs, annotate every record, write the tables and counts to out_dir.

    The corpus is annotated in partitions (pipeline.scale.partition: `partition_size` records or
    text files each; None, the default, plans enough for the workers), in this process or
    on `workers` processes, or on Dask (`engine="dask"`, on the cluster at `scheduler` or
    a local one); the parts are then joined, so the outputs are the same whatever runs them. A run that was killed resumes: finished partitions are not run again.
    The parts folder is removed at the end unless `keep_parts`.

    Returns the summary (also written to summary.json): records read, processed and
    rejected (read = processed + rejected), mentions by type and concepts found.

    One run at a time writes into out_dir (pipeline.files.outdir: a lock, and complete.json
    written last); RunError when another run holds it.
    """
    out_dir = Path(out_dir)
    files = list_inputs(inputs, fmt)  # a missing or unknown input fails before any work
    with naming(out_dir), outdir.exclusive(out_dir):
        outdir.start(out_dir)
        (out_dir / GRAPH_FILE).unlink(missing_ok=True)  # an earlier run's graph would not match the new tables
        parts_dir = out_dir / PARTS_DIR
        partitions, results = run_partitions(files, fields, parts_dir, nlp, engine, workers, scheduler, partition_size, progress, log)
        part_dirs = [parts_dir / p.name for p in partitions]
        join_parts(part_dirs, out_dir)
        totals = merge_counts(part_dirs, out_dir, parts_dir)
        tally = sum((Counter(r.tally) for r in results), Counter())
        by_type = sum((Counter(r.mentions_by_type) for r in results), Counter())
        summary = {
            "inputs": [{"file": str(path), "format": file_format} for path, file_format in files],
            "records": {"read": tally["read"], "processed": sum(r.documents for r in results), "rejected": tally["rejected"]},
            "rejected_by_reason": {k.split(": ", 1)[1]: v for k, v in sorted(tally.items()) if k.startswith("rejected: ")},
            "sentences": totals["sentences"],
            "mentions": sum(r.mentions for r in results),
            "mentions_by_type": dict(sorted(by_type.items())),
            "concepts": pq.ParquetFile(out_dir / CONCEPTS_FILE).metadata.num_rows,
        }
        write_summary(summary, out_dir / SUMMARY_FILE)
        if not keep_parts:
            shutil.rmtree(parts_dir)
        outdir.finish(out_dir, "extract", EXTRACT_FILES)
    return summary


def run(
    inputs: Sequence[str | Path], out_dir: str | Path, nlp: Language, extract_options: dict | None = None,
    graph_options: dict | None = None,
) -> tuple[dict, nx.Graph]:
    """extract (with `extract_options`), then graph (with `graph_options`) into
    out_dir/graph.graphml, holding the folder throughout; complete.json is written last,
    after the graph. Returns the summary, with the graph's, and the graph."""
    out_dir = Path(out_dir)
    graph_options = graph_options or {}
    with outdir.exclusive(out_dir):
        summary = extract(inputs, out_dir, nlp, **(extract_options or {}))
        concept_graph = graph([out_dir], out_dir / GRAPH_FILE, nlp.get_pipe("concept_matcher").kb, **graph_options)
        summary["graph"] = graph_summary(concept_graph) | {
            "min_count": graph_options.get("min_count", 1), "level": graph_options.get("level", "leaf"),
        }
        write_summary(summary, out_dir / SUMMARY_FILE)
        outdir.finish(out_dir, "run", EXTRACT_FILES)
    return summary, concept_graph


def annotate_records(items: Iterable[Record | Rejection], nlp: Language, reject: Callable[[Rejection], None]) -> Iterator[AnnotatedDocument]:
    """Annotate the records among `items`, in order; each rejection, and each record too
    long for the pipeline (rejected as `too long`), goes to `reject` instead."""
    def records() -> Iterator[Record]:
        for item in items:
            if isinstance(item, Record):
                item = check_length(item, nlp.max_length)
            if isinstance(item, Rejection):
                reject(item)
            else:
                yield item

    return annotate(records(), nlp)


def write_summary(summary: dict, path: str | Path) -> None:
    """Write a summary as sorted, indented JSON, atomically."""
    with atomic_open(path) as handle:
        json.dump(summary, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def graph_counts(
    directories: Sequence[str | Path], scratch: str | Path, kb: KnowledgeBase | None = None, level: str = "leaf",
    min_count: int = 1, window: str = "sentence", exclude_negated: bool = True,
) -> CooccurrenceCounts:
    """The co-occurrence counts of one or more extract directories, added up and rolled up to `level`.

    The directories' counts are merged by streaming (merge_counts, in a temporary folder
    inside `scratch`). At leaf level only the pairs sharing at least `min_count` windows
    are read into memory, and without `exclude_negated` only the window counts of the
    affirmed pairs; rolling up recounts from the mentions, so it reads them all.
    """
    with tempfile.TemporaryDirectory(prefix=".counts-", dir=scratch) as folder:
        merged = Path(directories[0])
        if len(directories) > 1:
            merged = Path(folder) / "merged"
            merge_counts(directories, merged, folder)
        if level == "leaf":
            return read_counts(merged, min_count, window, affirmed_windows_only=not exclude_negated)
        leaf = read_counts(merged)
    groups = rollup_map(kb, level)
    mention_tables = [
        (row for batch in pq.ParquetFile(Path(d) / MENTIONS_FILE).iter_batches(columns=MENTION_COLUMNS) for row in batch.to_pylist())
        for d in directories
    ]
    documents = {}
    for directory in directories:
        table = pq.read_table(Path(directory) / DOCUMENTS_FILE, columns=["doc_id", "year", "species"]).to_pydict()
        documents.update({d: (y, tuple(s)) for d, y, s in zip(table["doc_id"], table["year"], table["species"])})
    return rollup_counts(leaf, mention_tables, groups, lambda c: (kb[c].name, kb[c].type), documents)


def graph(
    directories: Sequence[str | Path],
    out_file: str | Path,
    kb: KnowledgeBase | None = None,
    window: str = "sentence",
    min_count: int = 1,
    level: str = "leaf",
    metric: str = "count",
    top_k: int = 0,
    backbone: float | None = None,
    exclude_negated: bool = False,
    exports: Sequence[str] = (),
    unlinked: bool = True,
) -> nx.Graph:
    """Build the concept graph from one or more extract directories and write it as GraphML.

    `level` rolls concepts up the knowledge base's hierarchy (leaf, region or system;
    see pipeline.kb.hierarchy) and needs `kb`. `metric`, `top_k`, `backbone` and
    `exclude_negated` are those of pipeline.graph.build.build_graph, and so is `unlinked` (False
    leaves out the concepts of unlinked NER mentions). `exports` names further
    formats written beside the GraphML file (pipeline.export.EXPORTS).
    """
    if level != "leaf" and kb is None:
        raise ValueError(f"rolling up to level {level!r} needs the knowledge base")
    check_graph_output(out_file, directories, exports)
    xrefs = {concept.id: concept.xrefs for concept in kb} if kb else {}
    out_file = Path(out_file)
    with outdir.shared(directories):
        out_file.parent.mkdir(parents=True, exist_ok=True)
        counts = graph_counts(directories, out_file.parent, kb, level, min_count, window, exclude_negated)
        concept_graph = build_graph(counts, window, min_count, xrefs, metric, top_k, backbone, exclude_negated, unlinked)
        concept_graph.graph.update(made_by(kb), level=level, min_count=min_count)
        with naming(out_file):
            write_graphml(concept_graph, out_file)
            export_graph(concept_graph, out_file, exports, directories)
    return concept_graph


def made_by(kb: KnowledgeBase | None) -> dict[str, str]:
    """Graph attributes naming what made a graph: the tool's version and the knowledge base's."""
    return {"version": __version__, "kb_version": kb.version if kb is not None else ""}


def check_graph_output(out_file: str | Path, directories: Sequence[str | Path], exports: Sequence[str] = ()) -> None:
    """ValueError when the GraphML file, or a file exported beside it, would overwrite a
    file of the extract folders read (their tables, summary, completion record or lock)."""
    inputs = {
        (Path(directory) / name).resolve()
        for directory in directories for name in (*EXTRACT_FILES, SUMMARY_FILE, outdir.COMPLETE_FILE, outdir.LOCK_FILE)
    }
    for path in [Path(out_file), *(p for fmt in exports for p in export_paths(out_file, fmt))]:
        if path.resolve() in inputs:
            raise ValueError(f"{path} is one of the files the graph is built from")


def diff(
    directory_a: str | Path,
    directory_b: str | Path,
    out_file: str | Path,
    kb: KnowledgeBase | None = None,
    window: str = "sentence",
    min_count: int = 1,
    level: str = "leaf",
    resamples: int = 200,
    seed: int = 0,
    exclude_negated: bool = False,
    exports: Sequence[str] = (),
) -> nx.Graph:
    """The difference graph of two extract folders (pipeline.graph.diff), written as GraphML (and `exports`)."""
    from pipeline.graph.diff import corpus_pairs, diff_graph

    if level != "leaf" and kb is None:
        raise ValueError(f"rolling up to level {level!r} needs the knowledge base")
    check_graph_output(out_file, [directory_a, directory_b], exports)
    groups = rollup_map(kb, level) if level != "leaf" else {}
    with outdir.shared([directory_a, directory_b]):
        sides = [
            corpus_pairs(directory, window, groups, lambda c: (kb[c].name, kb[c].type), exclude_negated)
            for directory in (directory_a, directory_b)
        ]
    difference = diff_graph(*sides, min_count=min_count, resamples=resamples, seed=seed)
    difference.graph.update(made_by(kb), window=window, level=level, min_count=min_count, exclude_negated=int(exclude_negated),
                            a=str(directory_a), b=str(directory_b))
    write_graphml(difference, out_file)
    export_graph(difference, out_file, [e for e in exports if e != "mentions"])
    return difference


def check_knowledge_base(kb_dir: str | Path, extra: Sequence[str | Path] = ()) -> list[str]:
    """All problems of a knowledge base (duplicates, relations, cycles, shared aliases), one message each."""
    from pipeline.annotate.nlp import build_tokenizer
    from pipeline.annotate.patterns import resolve_patterns, tokenize_patterns

    kb = read_kb(kb_dir, extra)
    tokenizer = build_tokenizer()
    collisions = resolve_patterns(kb, tokenize_patterns(kb, tokenizer)).collisions
    return check_kb(kb, kb_files(kb_dir), collisions)


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
