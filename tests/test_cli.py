"""The command line end to end, on the demo corpus and on broken input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import igraph
import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import MENTION_FIELDS, cli
from pipeline.kb import LABELS

REPO = Path(__file__).parent.parent
DEMO = REPO / "corpora" / "demo"
OUTPUTS = ["documents.parquet", "mentions.parquet", "mentions.csv", "rejects.jsonl", "summary.json", "graph.graphml",
           "cooccurrence_concepts.parquet", "cooccurrence_pairs.parquet", "cooccurrence_totals.json",
           "cooccurrence_affirmed_concepts.parquet", "cooccurrence_affirmed_pairs.parquet", "complete.json", ".lock"]


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = invoke("run", DEMO, "--out", out)
    assert result.exit_code == 0, result.output
    return out, result


def test_run_on_the_demo_corpus(demo_run):
    out, result = demo_run
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    umask = os.umask(0)
    os.umask(umask)
    assert all((p.stat().st_mode & 0o777) == 0o666 & ~umask for p in out.iterdir())
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["records"]["read"] == summary["records"]["processed"] >= 40
    for line in ("documents", "mentions", "graph", "top concepts", "top edges"):
        assert line in result.output
    documents = pd.read_parquet(out / "documents.parquet")
    mentions = pd.read_parquet(out / "mentions.parquet")
    assert len(documents) == summary["records"]["processed"] and documents["doc_id"].is_unique
    assert len(mentions) == summary["mentions"] == documents["n_mentions"].sum()
    assert set(mentions["label"]) == set(LABELS)
    assert pd.read_csv(out / "mentions.csv", keep_default_na=False).shape == mentions.shape
    assert set(documents["source"].map(lambda s: Path(s).suffix)) == {".jsonl", ".xml"}
    xml_docs = documents[documents["source"].str.endswith(".xml")]
    assert xml_docs["mesh"].map(len).gt(0).all() and xml_docs["year"].notna().all()


def test_mention_offsets_point_into_title_and_abstract(demo_run):
    out, _ = demo_run
    texts = {}
    for line in (DEMO / "abstracts.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts[record["id"]] = f"{record['title']} {record['abstract']}"
    mentions = pd.read_parquet(out / "mentions.parquet")
    checked = mentions[mentions["doc_id"].isin(texts)]
    assert len(checked) > 100
    assert all(texts[m.doc_id][m.start:m.end] == m.text for m in checked.itertuples())


def test_graph_has_a_typed_node_per_concept_and_weighted_edges(demo_run):
    out, _ = demo_run
    mentions = pd.read_parquet(out / "mentions.parquet")
    graph = nx.read_graphml(out / "graph.graphml")
    assert set(graph.nodes()) == set(mentions["concept_id"])
    types = dict(zip(mentions["concept_id"], mentions["label"]))
    assert all(graph.nodes[n]["type"] == types[n] for n in graph)
    assert graph.number_of_edges() > 50 and all(d["weight"] >= 1 for _, _, d in graph.edges(data=True))
    other = igraph.Graph.Read_GraphML(str(out / "graph.graphml"))
    assert (other.vcount(), other.ecount()) == (graph.number_of_nodes(), graph.number_of_edges())
    # the withdrawal question: VTA, nucleus accumbens, locus coeruleus, the HPA axis and morphine
    vta, accumbens, locus_coeruleus, morphine = "UBERON:0002691", "UBERON:0001882", "UBERON:0002148", "MESH:D009020"
    assert {vta, accumbens, locus_coeruleus, morphine, "NC:hpa_axis"} <= set(graph)
    assert graph.has_edge(morphine, locus_coeruleus)


def test_same_input_same_bytes(demo_run, tmp_path):
    out, _ = demo_run
    assert invoke("run", DEMO, "--out", tmp_path, "--quiet").exit_code == 0
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_every_record_is_processed_or_rejected(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO, corpus)
    lines = [
        json.dumps({"id": "90000001", "title": "Duplicate", "abstract": "Morphine."}),
        json.dumps({"id": "x1", "title": "", "abstract": ""}),
        "{broken",
        json.dumps({"id": "x2", "title": "Heroin withdrawal", "abstract": "Anxiety rose in the BNST."}),
    ]
    (corpus / "extra.jsonl").write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "x3", "abstract": "\xff"}\n')
    out = tmp_path / "out"
    result = invoke("extract", corpus, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    records = summary["records"]
    assert records["read"] == records["processed"] + records["rejected"]
    assert records["rejected"] == 4
    assert summary["rejected_by_reason"] == {"bad encoding": 1, "duplicate id": 1, "empty text": 1, "malformed record": 1}
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(Path(r["source"]).name, r["position"]) for r in rejects] == [
        ("extra.jsonl", "line 1"), ("extra.jsonl", "line 2"), ("extra.jsonl", "line 3"), ("extra.jsonl", "line 5")]
    assert len(pd.read_parquet(out / "documents.parquet")) == records["processed"]


def test_graph_command_merges_extract_folders(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert invoke("extract", DEMO / "abstracts.jsonl", "--out", first, "-q").exit_code == 0
    assert invoke("extract", DEMO / "pubmed_sample.xml", "--out", second, "-q").exit_code == 0
    assert invoke("run", DEMO, "--out", tmp_path / "all", "-q").exit_code == 0
    result = invoke("graph", first, second, "--out", tmp_path / "merged.graphml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "merged.graphml").read_bytes() == (tmp_path / "all" / "graph.graphml").read_bytes()
    assert not list(tmp_path.glob(".counts-*"))  # the folder the counts were merged in is gone
    for folders, out in (([first, second], "merged_systems.graphml"), ([tmp_path / "all"], "all_systems.graphml")):
        assert invoke("graph", *folders, "--level", "system", "--out", tmp_path / out, "-q").exit_code == 0
    assert (tmp_path / "merged_systems.graphml").read_bytes() == (tmp_path / "all_systems.graphml").read_bytes()
    result = invoke("graph", first, "--window", "document", "--min-count", "3", "--quiet")
    assert result.exit_code == 0 and result.output == ""
    graph = nx.read_graphml(first / "graph.graphml")
    assert all(d["documents"] >= 3 for _, d in graph.nodes(data=True))
    assert all(d["weight"] >= 3 for _, _, d in graph.edges(data=True))


def test_graph_of_a_folder_without_counts_is_one_line_and_exit_1(tmp_path):
    result = invoke("graph", tmp_path)
    assert result.exit_code == 1
    assert result.output.strip() == f"neuroconcepts: error: {tmp_path}: not an extract output folder (no complete.json)"


def test_malformed_file_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID></Oops>", encoding="utf-8")
    result = invoke("run", bad, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"neuroconcepts: error: {bad}:line 1, column ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "mentions.parquet").exists()


def test_usage_errors_exit_2(tmp_path):
    assert invoke("run", DEMO).exit_code == 2  # no --out
    assert invoke("run", DEMO, "--out", tmp_path, "--window", "paragraph").exit_code == 2
    assert invoke("extract", DEMO, "--out", tmp_path, "--field", "nonsense").exit_code == 2
    result = invoke("run", tmp_path / "absent.jsonl", "--out", tmp_path)
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_annotate_text_and_stdin():
    result = invoke("annotate", "Naloxone-precipitated withdrawal activated the locus coeruleus (LC); LC firing rose.")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {(r["text"], r["label"]) for r in rows} >= {("Naloxone", "DRUG"), ("locus coeruleus", "BRAIN_REGION"), ("LC", "BRAIN_REGION")}
    assert all(list(r) == list(MENTION_FIELDS) for r in rows)
    lines = json.dumps({"id": "p1", "text": "Dynorphin acts on kappa opioid receptors."}) + "\nnot json\n"
    result = invoke("annotate", "-", "--format", "table", input=lines)
    assert result.exit_code == 1
    header, *table = result.stdout.splitlines()
    assert header.split("\t")[0] == "doc_id" and all(row.startswith("p1\t") for row in table) and table
    assert "<stdin>:line 2: malformed record" in result.stderr


def test_help_shows_examples_and_module_entry_point():
    for command in ("extract", "graph", "run", "annotate"):
        result = invoke(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output
    done = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=True)
    assert "neuroconcepts" in done.stdout
