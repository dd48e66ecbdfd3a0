"""Co-occurrence counts and NPMI on a small corpus checked by hand, and merging."""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.annotate.document import annotate
from pipeline.count.counts import MAX_DOC_IDS, CooccurrenceCounts, PairCount
from pipeline.count.merge import SpillingCounts, merge_counts
from pipeline.count.store import (
    AFFIRMED_CONCEPTS_FILE, AFFIRMED_PAIRS_FILE, CONCEPTS_FILE, PAIRS_FILE, TOTALS_FILE, read_counts, write_counts,
)
from pipeline.errors import InputError
from pipeline.export.graphml import write_graphml
from pipeline.graph.build import build_graph, npmi
from pipeline.read import Record, read_corpus

MORPHINE, VTA, BLA, DIARRHEA, AMYGDALA = "MESH:D009020", "UBERON:0002052", "UBERON:0006107", "HP:0002014", "UBERON:0001876"

CORPUS = [
    Record("A", "", "Morphine withdrawal activated the VTA. The basolateral amygdala and VTA were linked.", "t", "1"),
    Record("B", "", "Morphine reduced diarrhea. Diarrhea was absent later.", "t", "2"),
    Record("C", "", "The VTA and the amygdala were labelled.", "t", "3"),
]


@pytest.fixture(scope="module")
def documents(small_nlp):
    return list(annotate(CORPUS, small_nlp))


def count(documents):
    counts = CooccurrenceCounts()
    for document in documents:
        counts.add(document)
    return counts


def test_counts_by_hand(documents):
    counts = count(documents)
    assert (counts.documents, counts.sentences) == (3, 5)
    concept_counts = {c: (v.mentions, v.sentences, v.documents) for c, v in counts.concepts.items()}
    assert concept_counts == {
        MORPHINE: (2, 2, 2), VTA: (3, 3, 2), BLA: (1, 1, 1), DIARRHEA: (2, 2, 1), AMYGDALA: (1, 1, 1),
    }
    pairs = {k: (v.sentences, v.documents, v.doc_ids) for k, v in counts.pairs.items()}
    assert pairs == {
        (MORPHINE, VTA): (1, 1, ["A"]),
        (VTA, BLA): (1, 1, ["A"]),
        (MORPHINE, BLA): (0, 1, ["A"]),  # same document, different sentences
        (DIARRHEA, MORPHINE): (1, 1, ["B"]),
        (AMYGDALA, VTA): (1, 1, ["C"]),
    }
    assert counts.pairs[(VTA, BLA)].evidence == "The basolateral amygdala and VTA were linked."
    assert counts.pairs[(MORPHINE, BLA)].evidence == ""


def test_npmi_by_hand():
    # morphine & VTA in sentences: 1 of 5 together, morphine in 2, VTA in 3.
    # pmi = ln(0.2 / (0.4 * 0.6)) = ln(0.8333) = -0.18232; npmi = pmi / -ln(0.2) = -0.18232 / 1.60944
    assert npmi(1, 2, 3, 5) == pytest.approx(-0.113283, abs=1e-6)
    # morphine & diarrhea: pmi = ln(0.2 / 0.16) = 0.22314; npmi = 0.22314 / 1.60944
    assert npmi(1, 2, 2, 5) == pytest.approx(0.138647, abs=1e-6)
    assert npmi(4, 4, 4, 4) == 1.0 and npmi(0, 1, 1, 4) == -1.0
    assert npmi(2, 2, 2, 8) == pytest.approx(1.0)  # always together


def test_graph_by_hand(documents):
    sentence_graph = build_graph(count(documents), "sentence")
    assert {frozenset(e) for e in sentence_graph.edges()} == {
        frozenset(p) for p in [(MORPHINE, VTA), (BLA, VTA), (DIARRHEA, MORPHINE), (AMYGDALA, VTA)]
    }
    edge = sentence_graph.edges[MORPHINE, DIARRHEA]
    assert (edge["weight"], edge["sentences"], edge["documents"], edge["pmids"]) == (1.0, 1, 1, "B")
    assert edge["npmi"] == pytest.approx(math.log(0.2 / 0.16) / -math.log(0.2), abs=1e-6)
    assert edge["evidence"] == "Morphine reduced diarrhea."
    document_graph = build_graph(count(documents), "document")
    assert document_graph.has_edge(MORPHINE, BLA) and not sentence_graph.has_edge(MORPHINE, BLA)
    # morphine & VTA in documents: 1 of 3 together, each in 2: pmi = ln((1/3) / (4/9)), npmi = pmi / ln(3)
    assert document_graph.edges[MORPHINE, VTA]["npmi"] == pytest.approx(math.log(0.75) / math.log(3), abs=1e-6)
    node = document_graph.nodes[VTA]
    assert (node["label"], node["name"], node["type"], node["mentions"], node["documents"]) == (
        "ventral tegmental area", "ventral tegmental area", "BRAIN_REGION", 3, 2)
    pruned = build_graph(count(documents), "document", min_count=2)
    assert sorted(pruned.nodes()) == sorted([MORPHINE, VTA]) and pruned.number_of_edges() == 0


def test_merging_partitions_equals_counting_all(documents, tmp_path):
    whole = count(documents)
    parts = [count(documents[:1]), count(documents[1:])]
    for i, part in enumerate(parts):
        write_counts(part, tmp_path / str(i))
    merge_counts([tmp_path / "1", tmp_path / "0"], tmp_path / "merged", tmp_path / "scratch")
    assert read_counts(tmp_path / "merged") == whole


def test_counts_of_an_earlier_version_are_refused_in_one_line(documents, tmp_path):
    write_counts(count(documents), tmp_path)
    table = pq.read_table(tmp_path / CONCEPTS_FILE)
    pq.write_table(table.drop_columns(["shared_sentences", "shared_documents"]), tmp_path / CONCEPTS_FILE)
    with pytest.raises(InputError, match="earlier version of neuroconcepts .no column 'shared_sentences'.: run extract again"):
        read_counts(tmp_path)


def test_counts_spilled_in_runs_and_merged_streaming_equal_counting_all_at_once(nlp, tmp_path):
    """The demo corpus counted in memory, and counted in runs of about 1,500 pairs merged by
    streaming (also 2 folders at a time): the same counts and the same bytes."""
    demo = Path(__file__).parent.parent / "corpora" / "demo"
    documents = list(annotate((r for r in read_corpus([demo]) if isinstance(r, Record)), nlp))
    whole = count(documents)
    write_counts(whole, tmp_path / "whole")
    spilling = SpillingCounts(tmp_path / "runs", max_pairs=1_500)
    for document in documents:
        spilling.add(document)
    spilling.write(tmp_path / "spilled")
    assert len(spilling.runs) >= 4 and len(whole.pairs) > 4_000
    merge_counts(spilling.runs, tmp_path / "fan_in_2", tmp_path / "scratch", fan_in=2)
    assert not list((tmp_path / "scratch").iterdir())  # the intermediate merges are removed
    for folder in ("spilled", "fan_in_2"):
        assert read_counts(tmp_path / folder) == whole
        for name in (CONCEPTS_FILE, PAIRS_FILE, AFFIRMED_PAIRS_FILE, TOTALS_FILE):
            assert (tmp_path / folder / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), (folder, name)
    run = pq.read_table(spilling.runs[0] / PAIRS_FILE)
    assert run.num_rows < len(whole.pairs) and run.column_names == pq.read_table(tmp_path / "whole" / PAIRS_FILE).column_names
    # each concept's link strength is the sum over its pairs, in both layers, counted and merged
    for layer in (whole, whole.affirmed, read_counts(tmp_path / "spilled").affirmed):
        for window in ("sentences", "documents"):
            sums = Counter()
            for (a, b), pair in layer.pairs.items():
                sums[a] += getattr(pair, window)
                sums[b] += getattr(pair, window)
            assert {c: getattr(concept, f"shared_{window}") for c, concept in layer.concepts.items()} == {c: sums[c] for c in layer.concepts}
    assert sum(sums.values()) > 10_000


def test_doc_ids_keep_the_first_in_document_order(tmp_path):
    pair = PairCount()
    for doc_id in map(str, range(100, 0, -1)):
        pair.add_doc_id(doc_id)
    assert pair.doc_ids == [str(i) for i in range(1, MAX_DOC_IDS + 1)]
    other = PairCount()
    for doc_id in ("1", "0", "15", "100", "99"):
        other.add_doc_id(doc_id)
    assert other.doc_ids == ["0", "1", "15", "99", "100"]
    for name, counted in (("a", pair), ("b", other)):
        write_counts(CooccurrenceCounts(pairs={("X", "Y"): counted}), tmp_path / name)
    merge_counts([tmp_path / "a", tmp_path / "b"], tmp_path / "merged", tmp_path)
    assert read_counts(tmp_path / "merged").pairs[("X", "Y")].doc_ids == [str(i) for i in range(MAX_DOC_IDS)]


def test_merged_counts_equal_counting_all_at_once_byte_for_byte(tmp_path):
    """Generated documents (shared pairs, years, species, relations, evidence) counted at once,
    and counted in random parts merged (the Arrow merge of merge_counts): the same bytes."""
    rng = random.Random(3)
    concepts = [(f"C:{n:03d}", f"concept {n}", "DRUG" if n % 2 else "SYMPTOM") for n in range(40)]
    documents = []
    for number in rng.sample(range(1, 5_000), 600):
        doc_id = str(number) if number % 7 else f"PMC{number}"
        n_sentences = rng.randint(1, 5)
        mentions = [(rng.randrange(n_sentences), *rng.choice(concepts[:rng.randint(2, 40)]), rng.random() < 0.2)
                    for _ in range(rng.randint(0, 8))]
        relations = [(s, a, rng.choice(["increases", "projects_to"]), b) for s, a, *_ in mentions[:2] for _, b, *_ in mentions[2:3]]
        species = rng.sample(["rat", "mouse", "human"], rng.randint(0, 2))
        year = rng.choice([None, rng.randint(1990, 2024)])
        documents.append((doc_id, n_sentences, mentions, lambda s, d=doc_id: f"Sentence {s} of {d}.", year, species, relations))
    whole = CooccurrenceCounts()
    for document in documents:
        whole.add_mentions(*document)
    write_counts(whole, tmp_path / "whole")
    cuts = sorted(rng.sample(range(1, len(documents)), 9))
    parts = []
    for n, (start, stop) in enumerate(zip([0, *cuts], [*cuts, len(documents)])):
        part = CooccurrenceCounts()
        for document in documents[start:stop]:
            part.add_mentions(*document)
        write_counts(part, tmp_path / f"part{n}")
        parts.append(tmp_path / f"part{n}")
    merge_counts(parts, tmp_path / "merged", tmp_path / "scratch", fan_in=4)
    assert sum(1 for pair in whole.pairs.values() if pair.relations) > 20 and len(whole.pairs) > 500
    for name in (CONCEPTS_FILE, PAIRS_FILE, AFFIRMED_CONCEPTS_FILE, AFFIRMED_PAIRS_FILE, TOTALS_FILE):
        assert (tmp_path / "merged" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_the_window_counts_of_affirmed_pairs_make_the_same_graph(demo_extract, tmp_path):
    """graph reads only the window counts of the affirmed pairs when it does not exclude
    negated mentions: the same GraphML as from the whole affirmed layer."""
    for min_count in (1, 2):
        for name, light in (("full", False), ("light", True)):
            counts = read_counts(demo_extract, min_count, affirmed_windows_only=light)
            write_graphml(build_graph(counts, "sentence", min_count), tmp_path / f"{name}.graphml")
        assert (tmp_path / "light.graphml").read_bytes() == (tmp_path / "full.graphml").read_bytes()
    assert all(not pair.doc_ids for pair in counts.affirmed.pairs.values()) and counts.affirmed.pairs
