"""Graph analytics: context (negation, hedging), species, directed relations, edge statistics,
pruning, communities and centrality, roll-up on the demo corpus, and the difference graph."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.stats import chi2_contingency

from pipeline.annotate.document import annotate
from pipeline.annotate.species import document_species
from pipeline.count.counts import CooccurrenceCounts
from pipeline.count.merge import merge_counts
from pipeline.count.store import read_counts, write_counts
from pipeline.export.graphml import write_graphml
from pipeline.graph.build import add_node_structure, build_graph, prune_backbone, prune_top_k
from pipeline.graph.diff import corpus_pairs, diff_graph
from pipeline.graph.edge_stats import association_strength, jaccard, log_likelihood
from pipeline.kb import DEFAULT_KB_DIR, load_kb
from pipeline.read import Record
from pipeline.workflow import extract, graph

MORPHINE, CRF, AMYGDALA, VTA, NAC = "MESH:D009020", "NC:crf", "UBERON:0001876", "UBERON:0002691", "UBERON:0001882"


def context(nlp, text):
    return {(e.text, e._.negated, e._.hedged) for e in nlp(text).ents}


def relations(nlp, text):
    return [(s.text, r, o.text) for s, r, o in nlp(text)._.relations]


# --- context -----------------------------------------------------------------------------

def test_negation_scopes_forward_to_the_end_of_the_clause(nlp):
    assert context(nlp, "Morphine did not alter CRF levels in the amygdala, but naloxone increased dynorphin.") == {
        ("Morphine", False, False), ("CRF", True, False), ("amygdala", True, False),
        ("naloxone", False, False), ("dynorphin", False, False),
    }


def test_negation_after_the_mention_and_pseudo_triggers(nlp):
    assert context(nlp, "Diarrhea was unchanged after clonidine.") == {("Diarrhea", True, False), ("clonidine", False, False)}
    assert context(nlp, "D1 receptor binding was not altered.") == {("D1 receptor", True, False)}
    # "not only" is not a negation
    assert context(nlp, "Naloxone not only increased jumping but also ptosis.") == {
        ("Naloxone", False, False), ("jumping", False, False), ("ptosis", False, False)}


def test_hedges_scope_over_the_whole_clause(nlp):
    assert context(nlp, "The BNST may mediate anxiety; clonidine reduced jumping.") == {
        ("BNST", False, True), ("anxiety", False, True), ("clonidine", False, False), ("jumping", False, False)}
    assert ("anhedonia", False, True) in context(nlp, "These results suggest that dynorphin drives anhedonia.")


# --- species -----------------------------------------------------------------------------

def test_species_from_text_and_mesh():
    assert document_species("Male Sprague-Dawley rats and C57BL/6J mice were used.") == ("rat", "mouse")
    assert document_species("Patients with opioid use disorder", ["Humans", "Rats, Wistar"]) == ("human", "rat")
    assert document_species("Rhesus monkeys self-administered heroin.", ["Macaca mulatta"]) == ("non-human primate",)
    # non-human primates are not humans, and the wet-dog shakes of withdrawal are not dogs
    assert document_species("Non-human primates showed wet-dog shakes and wet dog shakes.") == ("non-human primate",)
    assert document_species("Withdrawal signs were scored.") == ()


# --- relations ---------------------------------------------------------------------------

def test_directed_relations_active_passive_and_guards(nlp):
    assert relations(nlp, "The VTA projects to the nucleus accumbens.") == [("VTA", "projects_to", "nucleus accumbens")]
    assert relations(nlp, "The nucleus accumbens receives dense projections from the VTA.") == [
        ("VTA", "projects_to", "nucleus accumbens")]
    assert relations(nlp, "Withdrawal-induced anxiety was attenuated by R121919.") == [
        ("R121919", "decreases", "Withdrawal-induced anxiety")]
    assert relations(nlp, "Withdrawal-induced anxiety was attenuated by CRF1 receptor antagonists.") == []  # the antagonists act
    assert relations(nlp, "Naloxone increased dynorphin.") == [("Naloxone", "increases", "dynorphin")]
    assert relations(nlp, "The BNST may mediate anxiety.") == [("BNST", "mediates", "anxiety")]
    assert relations(nlp, "Morphine did not increase dynorphin.") == []  # no pattern through "not"
    assert relations(nlp, "Blockade of kappa opioid receptors attenuated dysphoria.") == []  # the blockade acts, not the KOR
    assert relations(nlp, "Infusion of antalarmin into the BNST reduced anxiety.") == []  # the BNST is where
    assert relations(nlp, "Clonidine reduced naloxone-induced jumping.") == []  # naloxone is not reduced
    assert relations(nlp, "Morphine projects to the amygdala.") == []  # projections join brain regions only


# --- counts: affirmed and negated, years, species, relations, exact merge ---------------

RECORDS = [
    Record("1", "", "Morphine did not alter CRF in the amygdala. Morphine increased CRF in the amygdala.", "t", "1",
           year=2001, mesh=("Rats",)),
    Record("2", "", "In mice, the VTA projects to the nucleus accumbens. Morphine increased CRF.", "t", "2", year=2010),
    Record("3", "", "Patients taking morphine reported more CRF.", "t", "3"),
]


@pytest.fixture(scope="module")
def small_counts(nlp):
    documents = list(annotate(RECORDS, nlp))
    counts = CooccurrenceCounts()
    for document in documents:
        counts.add(document)
    return documents, counts


def test_edges_carry_affirmed_negated_years_species_and_relations(small_counts):
    _, counts = small_counts
    edges = build_graph(counts).edges
    crf = edges[MORPHINE, CRF]
    assert (crf["sentences"], crf["affirmed"], crf["negated"]) == (4, 3, 1)
    assert (crf["first_year"], crf["last_year"]) == (2001, 2010)
    assert (crf["documents_rat"], crf["documents_mouse"], crf["documents_human"]) == (1, 1, 1)
    assert (crf["relation"], crf["relation_source"], crf["relation_target"], crf["relation_count"]) == ("increases", MORPHINE, CRF, 2)
    assert crf["relation_evidence"] == "Morphine increased CRF in the amygdala."
    projection = edges[VTA, NAC]
    assert (projection["relation"], projection["relation_source"], projection["relation_target"]) == ("projects_to", VTA, NAC)
    assert projection["relations"] == "ventral tegmental area projects_to nucleus accumbens (1)"
    assert edges[CRF, AMYGDALA]["relation"] == ""


def test_exclude_negated_drops_negated_mentions(small_counts):
    _, counts = small_counts
    everything, affirmed = build_graph(counts), build_graph(counts, exclude_negated=True)
    assert everything.edges[MORPHINE, AMYGDALA]["sentences"] == 2
    assert affirmed.edges[MORPHINE, AMYGDALA]["sentences"] == 1  # the negated sentence is left out
    assert affirmed.edges[MORPHINE, AMYGDALA]["negated"] == 1  # and still reported as negated
    assert affirmed.nodes[CRF]["mentions"] == everything.nodes[CRF]["mentions"] - 1


def test_new_counts_merge_exactly_through_files(small_counts, tmp_path):
    documents, whole = small_counts
    for i, document in enumerate(documents):
        part = CooccurrenceCounts()
        part.add(document)
        write_counts(part, tmp_path / str(i))
    merge_counts([tmp_path / str(i) for i in (2, 0, 1)], tmp_path / "merged", tmp_path / "scratch")
    merged = read_counts(tmp_path / "merged")
    assert merged == whole
    assert merged.species == {"human": 1, "mouse": 1, "rat": 1}


# --- edge statistics ---------------------------------------------------------------------

def test_statistics_by_hand_and_against_scipy():
    # 10 windows: i in 4, j in 5, both in 3
    g2, p = log_likelihood([3], [4], [5], [10])
    statistic, p_scipy, _, _ = chi2_contingency([[3, 1], [2, 4]], correction=False, lambda_="log-likelihood")
    assert g2[0] == pytest.approx(statistic, abs=1e-6) and p[0] == pytest.approx(p_scipy)
    assert log_likelihood([0], [4], [5], [10])[0][0] < 0  # fewer than expected: negative
    assert jaccard([3], [4], [5])[0] == pytest.approx(3 / 6)
    # association strength 2m c_ij / (k_i k_j): k_i = 3 + 1, k_j = 3 + 2, 2m = 2 * (3 + 1 + 2)
    assert association_strength([3], [4], [5], 12.0)[0] == pytest.approx(12 * 3 / 20)


def test_metric_chooses_the_weight(small_counts):
    _, counts = small_counts
    for metric in ("npmi", "association_strength", "jaccard", "log_likelihood"):
        g = build_graph(counts, metric=metric)
        assert all(d["weight"] == d[metric] for _, _, d in g.edges(data=True))
    assert all(d["weight"] == d["sentences"] for _, _, d in build_graph(counts).edges(data=True))


# --- pruning, communities, centrality ----------------------------------------------------

def weighted(edges):
    g = nx.Graph()
    g.add_weighted_edges_from(edges, weight="sentences")
    for u, v, d in g.edges(data=True):
        d["weight"] = float(d["sentences"])
    return g


def test_backbone_keeps_the_edges_that_stand_out():
    # hub h: edges of 90, 5, 5 -> alpha = (1 - w/100) ** 2: 0.01 for the 90, 0.9025 for the 5s
    g = weighted([("h", "a", 90), ("h", "b", 5), ("h", "c", 5), ("a", "b", 1), ("b", "c", 1), ("a", "c", 1)])
    prune_backbone(g, 0.05, "sentences")
    assert sorted(map(sorted, g.edges())) == [["a", "h"]]


def test_top_k_keeps_each_nodes_strongest_edges():
    g = weighted([("h", "a", 9), ("h", "b", 8), ("h", "c", 7), ("c", "d", 1)])
    prune_top_k(g, 1, "weight")
    # h keeps h-a; a, b keep their only edge to h; c keeps h-c (7 > 1); d keeps c-d
    assert sorted(map(sorted, g.edges())) == [["a", "h"], ["b", "h"], ["c", "d"], ["c", "h"]]
    prune_top_k(g, 1, "weight")
    g2 = weighted([("x", "y", 5), ("y", "z", 4), ("z", "x", 3)])
    prune_top_k(g2, 1, "weight")
    assert sorted(map(sorted, g2.edges())) == [["x", "y"], ["y", "z"]]  # z-x is nobody's strongest


def test_communities_and_centrality_are_seeded_and_sensible():
    cliques = [("a", "b", 5), ("b", "c", 5), ("a", "c", 5), ("x", "y", 5), ("y", "z", 5), ("x", "z", 5), ("c", "x", 1)]
    first, second = weighted(cliques), weighted(cliques)
    add_node_structure(first, "sentences")
    add_node_structure(second, "sentences")
    assert dict(first.nodes(data=True)) == dict(second.nodes(data=True))
    community = nx.get_node_attributes(first, "community")
    assert community["a"] == community["b"] == community["c"] != community["x"] == community["y"] == community["z"]
    betweenness = nx.get_node_attributes(first, "betweenness")
    assert max(betweenness, key=betweenness.get) in ("c", "x") and betweenness["a"] == 0
    assert first.nodes["c"]["degree_centrality"] == pytest.approx(3 / 5)


# --- the demo corpus: roll-up, pruning, exclude-negated end to end ----------------------

@pytest.fixture(scope="module")
def kb():
    return load_kb(DEFAULT_KB_DIR)


def test_demo_graph_has_the_analytics(demo_extract, kb, tmp_path):
    g = graph([demo_extract], tmp_path / "g.graphml", kb)
    assert {"community", "degree_centrality", "betweenness", "documents_rat", "documents_mouse", "documents_human"} <= set(
        next(iter(g.nodes(data=True)))[1])
    negated = sum(d["negated"] for _, _, d in g.edges(data=True))
    related = [d for _, _, d in g.edges(data=True) if d["relation"]]
    assert negated > 0 and len(related) >= 5
    assert all(1990 < d["first_year"] <= d["last_year"] < 2030 for _, _, d in g.edges(data=True) if d["first_year"])
    pruned = graph([demo_extract], tmp_path / "p.graphml", kb, metric="npmi", top_k=3, backbone=0.2, exclude_negated=True)
    assert set(pruned) < set(g) and 0 < pruned.number_of_edges() < g.number_of_edges() / 2
    mentions = pq.read_table(demo_extract / "mentions.parquet", columns=["concept_id", "negated"]).to_pylist()
    only_negated = {m["concept_id"] for m in mentions} - {m["concept_id"] for m in mentions if not m["negated"]}
    assert set(g) - set(pruned) == only_negated


def test_graph_reading_only_the_pairs_it_keeps_equals_pruning_in_memory(demo_extract, tmp_path):
    """read_counts with a min_count leaves the other pairs on disk; the graph (statistics
    over all pairs included) is the same to the byte."""
    everything = read_counts(demo_extract)
    for window, min_count, exclude_negated in (("sentence", 1, False), ("sentence", 2, False), ("document", 3, True)):
        kept = read_counts(demo_extract, min_count, window)
        assert 0 < len(kept.pairs) < len(everything.pairs) / 2
        for metric in ("association_strength", "npmi"):
            for name, counts in (("kept", kept), ("all", everything)):
                write_graphml(build_graph(counts, window, min_count, metric=metric, exclude_negated=exclude_negated),
                              tmp_path / f"{name}.graphml")
            assert (tmp_path / "kept.graphml").read_bytes() == (tmp_path / "all.graphml").read_bytes(), (window, metric)


def test_demo_roll_up_to_systems_keeps_years_species_and_relations(demo_extract, kb, tmp_path):
    systems = graph([demo_extract], tmp_path / "s.graphml", kb, level="system")
    mesolimbic = "NC:mesolimbic_dopamine_system"
    assert mesolimbic in systems and VTA not in systems  # the VTA rolled up
    edges = systems.edges(mesolimbic, data=True)
    assert any(d["first_year"] for _, _, d in edges) and any(d["documents_mouse"] for _, _, d in edges)
    leaf_relations = sum(d["relation_count"] > 0 for _, _, d in graph([demo_extract], tmp_path / "l.graphml", kb).edges(data=True))
    assert leaf_relations and any(d["relation"] for _, _, d in systems.edges(data=True))


# --- diff ----------------------------------------------------------------------------------

def test_diff_of_a_corpus_with_itself_is_zero_and_split_corpora_differ(demo_extract, nlp, tmp_path):
    same = diff_graph(corpus_pairs(demo_extract), corpus_pairs(demo_extract), resamples=50)
    assert same.number_of_edges() > 0
    assert all(d["change"] == 0 and d["change_low"] <= 0 <= d["change_high"] for _, _, d in same.edges(data=True))
    a, b = tmp_path / "a", tmp_path / "b"
    extract(["corpora/demo/abstracts.jsonl"], a, nlp)
    extract(["corpora/demo/pubmed_sample.xml"], b, nlp)
    side_a, side_b = corpus_pairs(a, "document"), corpus_pairs(b, "document")
    contrast = diff_graph(side_a, side_b, resamples=100)
    assert contrast.graph["resamples"] == 100
    edge = max(contrast.edges(data=True), key=lambda e: abs(e[2]["change"]))[2]
    assert edge["change"] == pytest.approx(edge["windows_b"] / 10 - edge["windows_a"] / 34, abs=1e-6)
    assert edge["change_low"] <= edge["change"] <= edge["change_high"]
    assert any(d["significant"] for _, _, d in contrast.edges(data=True))
    again = diff_graph(side_a, side_b, resamples=100)
    assert nx.utils.edges_equal(contrast.edges(data=True), again.edges(data=True))  # seeded
    assert math.isclose(np.mean([d["change"] for _, _, d in contrast.edges(data=True)]),
                        np.mean([d["share_b"] - d["share_a"] for _, _, d in contrast.edges(data=True)]), abs_tol=1e-6)
