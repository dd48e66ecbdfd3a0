"""The benchmark (`make bench`) runs end to end at small sizes and reports every target."""

from __future__ import annotations

import json

from pipeline.bench import Sizes, count_generated, generated_documents, run_bench
from pipeline.count.counts import CooccurrenceCounts
from pipeline.count.store import write_counts
from pipeline.workflow import COUNT_FILES

TINY = Sizes(documents=20, rounds=1, memory_small=40, memory_large=80, graph_documents=500,
             export_nodes=100, export_edges=500, scaling_documents=40)


def test_bench_measures_every_target_and_writes_its_report(tmp_path):
    results = run_bench(tmp_path, sizes=TINY)

    assert set(results["checks"]) == {
        "lexicon_vs_tokenizer", "lexicon_vs_stock", "sentence_agreement", "abbreviation_agreement",
        "memory_ratio", "graphml_seconds", "ner_docs_per_second", "workers_2_vs_best", "many_partitions_vs_one",
    }
    scaling = results["scaling"]
    assert scaling["identical_outputs"] and scaling["documents"] >= 40
    assert [run["partitions"] for run in scaling["runs"].values()] == [1, 4, 7, 8, 8]
    rate = {mode: r["docs_per_second"] for mode, r in results["throughput"].items()}
    # pysbd costs the stock stack far more than the whole lexicon pipeline costs us
    assert rate["tokenizer"] > rate["lexicon"] > rate["stock"]
    lexicon_steps = results["components"]["lexicon"]
    assert list(lexicon_steps)[:2] == ["tokenizer", "pysbd_rule_sentencizer"]
    assert {"ner", "entity_merger"} <= set(results["components"]["ner"]) and "ner" not in lexicon_steps
    assert all(ms >= 0 for times in results["components"].values() for ms in times.values())

    graphs = results["graph_assembly"]["graphs"]
    assert [g["min_count"] for g in graphs] == [1, 3] and graphs[0]["edges"] > graphs[1]["edges"] > 0

    report = (tmp_path / "bench.md").read_text(encoding="utf-8")
    for heading in ("## Throughput", "## Where the time goes", "## Targets", "## Agreement", "## Memory", "## Scaling"):
        assert heading in report
    assert json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))["checks"] == results["checks"]


def test_generated_counts_are_those_extract_would_write(tmp_path):
    """The vectorised counts of generated documents (the PubMed-size plan's) are byte for byte
    those of counting the same documents with CooccurrenceCounts."""
    count_generated(100, 2_000, tmp_path / "vectorised")
    counts = CooccurrenceCounts()
    for document in generated_documents(100, 2_000):
        counts.add_mentions(*document)
    write_counts(counts, tmp_path / "counted")
    assert len(counts.pairs) > 20_000 and len(counts.affirmed.pairs) < len(counts.pairs)
    for name in COUNT_FILES:
        assert (tmp_path / "vectorised" / name).read_bytes() == (tmp_path / "counted" / name).read_bytes(), name
