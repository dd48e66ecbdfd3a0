"""Partitioned extraction: the same outputs from one process, a process pool and Dask;
duplicates and rejects across partitions; resuming after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.count import merge
from pipeline.scale import distribute
from pipeline.read import FieldMap, Rejection, list_inputs, read_corpus, read_file
from pipeline.scale.partition import MARKER_FILE, PARTITIONS_PER_WORKER, PARTS_DIR, plan_partitions, scan_unit, scan_units
from pipeline.tabulate import RowGroupWriter
from pipeline.workflow import extract, graph

pytestmark = pytest.mark.slow  # process pools and a Dask LocalCluster

REPO = Path(__file__).parent.parent
DEMO = REPO / "corpora" / "demo"
SMALL_KB = REPO / "tests" / "data" / "kb"
OUTPUTS = ["documents.parquet", "mentions.parquet", "mentions.csv", "rejects.jsonl", "summary.json",
           "cooccurrence_concepts.parquet", "cooccurrence_pairs.parquet", "cooccurrence_totals.json", "graph.graphml"]


def demo_records() -> list[dict]:
    return [json.loads(line) for line in (DEMO / "abstracts.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The demo corpus, with bad records and duplicate ids in later files: a.jsonl (34
    abstracts, an empty one, a broken line, a duplicate of its own first id), b.xml (the
    PubMed sample), c.jsonl (a duplicate of an id of a.jsonl and one of b.xml, twice)."""
    folder = tmp_path_factory.mktemp("corpus")
    records = demo_records()
    extra = [json.dumps({"id": "e1", "title": "", "abstract": ""}), "{broken", json.dumps(records[0])]
    (folder / "a.jsonl").write_text("\n".join([json.dumps(r) for r in records] + extra) + "\n", encoding="utf-8")
    (folder / "b.xml").write_bytes((DEMO / "pubmed_sample.xml").read_bytes())
    later = [records[20], {"id": "90000035", "title": "Again", "abstract": "Morphine withdrawal and the VTA."},
             {"id": "c1", "title": "New", "abstract": "Naloxone-precipitated withdrawal activated the locus coeruleus."},
             records[20]]
    (folder / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in later), encoding="utf-8")
    return folder


def run(corpus, out, nlp, **scale):
    summary = extract([corpus], out, nlp, partition_size=8, **scale)
    graph([out], out / "graph.graphml", nlp.get_pipe("concept_matcher").kb)
    return summary


def plan(files, size, workers=1):
    units = scan_units(files)
    return plan_partitions(units, [scan_unit(unit, FieldMap()) for unit in units], size, workers)


def test_plan_cuts_big_files_and_keeps_pubmed_files_whole(corpus, tmp_path):
    partitions, _ = plan(list_inputs([corpus]), size=8)
    slices = [[(Path(s.path).name, s.start, s.stop) for s in p.slices] for p in partitions]
    assert slices == [[("a.jsonl", n, min(n + 8, 37))] for n in range(0, 37, 8)] + [[("b.xml", 0, None)], [("c.jsonl", 0, None)]]
    texts = [(tmp_path / f"t{n}.txt") for n in range(5)]
    for path in texts:
        path.write_text("The locus coeruleus.", encoding="utf-8")
    assert [len(p.slices) for p in plan([(path, "text") for path in texts], size=2)[0]] == [2, 2, 1]


def test_plan_makes_four_partitions_per_worker_and_reads_each_from_its_offset(corpus):
    """41 JSONL records (and a PubMed file, never cut) for 2 workers: slices of 6 records or
    fewer, each starting where the one before ended, read from its byte offset."""
    files = list_inputs([corpus])
    partitions, duplicates = plan(files, size=None, workers=2)
    jsonl = [p for p in partitions if p.slices[0].format == "jsonl"]
    assert len(jsonl) >= 2 * PARTITIONS_PER_WORKER and max(s.stop - s.start for p in jsonl for s in p.slices if s.stop) == 6
    offsets = [s.cursor.offset for p in jsonl for s in p.slices if s.path.endswith("a.jsonl")]
    assert offsets[0] == 0 and offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    items = [item.as_dict() if isinstance(item, Rejection) else (item.doc_id, item.position)
             for p in partitions for item in p.items(FieldMap())]
    sequential = [item.as_dict() if isinstance(item, Rejection) else (item.doc_id, item.position)
                  for path, fmt in files for item in read_file(path, fmt)]
    assert items == sequential
    found = [(p.index, n) for p, dups in zip(partitions, duplicates) for n in dups]
    assert len(found) == 4  # the duplicates of test_rejects_and_duplicates..., wherever the plan put them


def test_rejects_and_duplicates_across_partitions_match_a_sequential_read(corpus, small_nlp, tmp_path):
    summary = run(corpus, tmp_path, small_nlp)
    expected = [item.as_dict() for item in read_corpus([corpus]) if isinstance(item, Rejection)]
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rejects == expected
    assert [r["reason"].split(" (")[0] for r in rejects].count("duplicate id") == 4
    assert any(r["source"].endswith("c.jsonl") and "b.xml" in r["reason"] for r in rejects)
    records = summary["records"]
    assert records["read"] == records["processed"] + records["rejected"] == 37 + 10 + 4
    documents = pd.read_parquet(tmp_path / "documents.parquet")
    assert documents["doc_id"].is_unique and len(documents) == records["processed"]
    assert documents["doc_id"].tolist()[-1] == "c1"  # joined in partition order
    assert not (tmp_path / PARTS_DIR).exists()


def test_one_process_two_processes_and_dask_give_the_same_bytes(corpus, small_nlp, tmp_path):
    run(corpus, tmp_path / "one", small_nlp)
    run(corpus, tmp_path / "two", small_nlp, workers=2)
    result = CliRunner().invoke(cli, [
        "run", str(corpus), "--out", str(tmp_path / "dask"), "--kb", str(SMALL_KB), "--quiet",
        "--engine", "dask", "--workers", "2", "--partition-size", "8",
    ])
    assert result.exit_code == 0, result.output
    mentions = pd.read_parquet(tmp_path / "one" / "mentions.parquet")
    assert len(mentions) > 50
    for name in OUTPUTS:
        one = (tmp_path / "one" / name).read_bytes()
        assert (tmp_path / "two" / name).read_bytes() == one, name
        if name != "summary.json":  # run's summary also describes the graph
            assert (tmp_path / "dask" / name).read_bytes() == one, name


def test_forked_and_spawned_workers_give_the_same_bytes(corpus, small_nlp, tmp_path, monkeypatch):
    """Pool workers are forked (they begin with the caller's pipeline) unless the caller runs
    threads of its own, which a fork would not copy; then they are spawned and load the
    pipeline from a file in the parts folder, which is gone after the run."""
    stop = threading.Event()
    callers_thread = threading.Thread(target=stop.wait)
    callers_thread.start()
    try:
        assert distribute._start_method() == "spawn"
    finally:
        stop.set()
        callers_thread.join()
    run(corpus, tmp_path / "one", small_nlp)
    for method in ("fork", "spawn"):
        monkeypatch.setattr(distribute, "_start_method", lambda: method)
        run(corpus, tmp_path / method, small_nlp, workers=2, keep_parts=True)
        assert list((tmp_path / method / PARTS_DIR).iterdir())
        assert not list((tmp_path / method / PARTS_DIR).glob(".pipeline-*"))
        for name in OUTPUTS:
            assert (tmp_path / method / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), (method, name)


def test_counts_spilled_while_extracting_give_the_same_outputs(corpus, small_nlp, tmp_path, monkeypatch):
    run(corpus, tmp_path / "memory", small_nlp)
    spills = []
    spill = merge.SpillingCounts._spill
    monkeypatch.setattr(merge.SpillingCounts, "_spill", lambda counts: (spills.append(counts.max_pairs), spill(counts)))
    monkeypatch.setattr(merge, "SPILL_PAIRS", 1)
    run(corpus, tmp_path / "spilled", small_nlp, keep_parts=True)
    assert len(spills) > 10 and set(spills) == {1}
    for name in OUTPUTS:
        assert (tmp_path / "spilled" / name).read_bytes() == (tmp_path / "memory" / name).read_bytes(), name
    assert not list((tmp_path / "spilled" / PARTS_DIR).glob("*/runs"))


def test_row_groups_depend_on_the_rows_only(demo_extract, tmp_path):
    """RowGroupWriter: the same bytes however the rows arrive; a table of at most one row
    group's rows is written as pyarrow.parquet.write_table writes it."""
    table = pq.read_table(demo_extract / "mentions.parquet")
    assert table.num_rows > 1_000
    for name, chunk in (("by_7", 7), ("by_500", 500)):
        with RowGroupWriter(tmp_path / name, table.schema, rows=300) as writer:
            for start in range(0, table.num_rows, chunk):
                writer.write(table.slice(start, chunk))
    assert (tmp_path / "by_7").read_bytes() == (tmp_path / "by_500").read_bytes()
    layout = pq.ParquetFile(tmp_path / "by_7").metadata
    assert [layout.row_group(i).num_rows for i in range(layout.num_row_groups)][:-1] == [300] * (table.num_rows // 300)
    assert pq.read_table(tmp_path / "by_7").equals(table)
    with RowGroupWriter(tmp_path / "one_group", table.schema, rows=table.num_rows) as writer:
        writer.write(table.slice(0, 100))
        writer.write(table.slice(100))
    pq.write_table(table, tmp_path / "write_table")
    assert (tmp_path / "one_group").read_bytes() == (tmp_path / "write_table").read_bytes()


def test_bad_file_in_a_worker_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID></Oops>", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(DEMO), str(bad), "--out", str(tmp_path / "out"), "--kb", str(SMALL_KB), "--workers", "2"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"neuroconcepts: error: {bad}:line 1, column ") and result.stderr.count("\n") == 1


def test_scheduler_needs_the_dask_engine(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(DEMO), "--out", str(tmp_path), "--scheduler", "tcp://localhost:8786"])
    assert result.exit_code == 2 and "--engine dask" in result.output


def test_resume_after_kill_9_skips_finished_partitions(tmp_path, small_nlp):
    records = demo_records()
    corpus = tmp_path / "big.jsonl"
    with corpus.open("w", encoding="utf-8") as handle:
        for copy in range(40):
            for record in records:
                handle.write(json.dumps({**record, "id": f"{record['id']}-{copy}"}) + "\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "extract", str(corpus), "--out", str(out), "--kb", str(SMALL_KB),
               "--partition-size", "40", "--keep-parts", "--quiet"]
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list((out / PARTS_DIR).glob(f"*/{MARKER_FILE}")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    done = {marker: marker.stat().st_mtime_ns for marker in (out / PARTS_DIR).glob(f"*/{MARKER_FILE}")}
    assert 0 < len(done) < 34 and not (out / "summary.json").exists()

    again = subprocess.run(command[:-1], cwd=REPO, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {len(done)} of 34 partitions already done" in again.stderr
    assert all(marker.stat().st_mtime_ns == mtime for marker, mtime in done.items())
    extract([corpus], tmp_path / "fresh", small_nlp, partition_size=40)
    for name in OUTPUTS[:-1]:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
