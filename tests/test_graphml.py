"""GraphML export: round trips through networkx and igraph, declared keys, determinism."""

from __future__ import annotations

import igraph
import networkx as nx
import pytest
from lxml import etree

from pipeline.export.graphml import GRAPHML_NS, read_graphml, write_graphml

NS = {"g": GRAPHML_NS}


@pytest.fixture
def concept_graph():
    graph = nx.Graph()
    graph.add_node("UBERON:0002052", label="ventral tegmental area", name="ventral tegmental area", type="BRAIN_REGION", mentions=12, documents=7, xrefs="MESH:D017397")
    graph.add_node("MESH:D009020", label="morphine", name="morphine", type="DRUG", mentions=30, documents=20, xrefs="")
    graph.add_node("NC:wet_dog_shakes", label="wet-dog shakes", name="wet-dog shakes", type="SYMPTOM", mentions=4, documents=3, xrefs="")
    graph.add_edge("UBERON:0002052", "MESH:D009020", weight=5.0, sentences=5, documents=4, npmi=0.41, pmids="1;2;3;4", evidence="Morphine excites VTA <dopamine> & neurons.")
    graph.add_edge("NC:wet_dog_shakes", "MESH:D009020", weight=2.0, sentences=2, documents=2, npmi=0.2, pmids="5;6", evidence="Withdrawal: shakes.")
    return graph


def test_networkx_round_trip(concept_graph, tmp_path):
    path = tmp_path / "g.graphml"
    write_graphml(concept_graph, path)
    back = read_graphml(path)
    assert dict(back.nodes(data=True)) == dict(concept_graph.nodes(data=True))
    assert {frozenset((u, v)): d for u, v, d in back.edges(data=True)} == {frozenset((u, v)): d for u, v, d in concept_graph.edges(data=True)}


def test_igraph_reads_it(concept_graph, tmp_path):
    path = tmp_path / "g.graphml"
    write_graphml(concept_graph, path)
    graph = igraph.Graph.Read_GraphML(str(path))
    assert not graph.is_directed()
    assert sorted(graph.vs["id"]) == sorted(concept_graph.nodes())
    assert sorted(graph.vs["type"]) == ["BRAIN_REGION", "DRUG", "SYMPTOM"]
    assert sorted(graph.es["weight"]) == [2.0, 5.0]
    assert sorted(graph.es["documents"]) == [2, 4]


def test_keys_are_declared_named_and_typed(concept_graph, tmp_path):
    path = tmp_path / "g.graphml"
    write_graphml(concept_graph, path)
    root = etree.parse(str(path)).getroot()
    keys = {k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type")) for k in root.iterfind("g:key", NS)}
    assert keys["label"] == ("node", "label", "string") and keys["weight"] == ("edge", "weight", "double")
    assert keys["documents"] == ("node", "documents", "int") and keys["edge_documents"] == ("edge", "documents", "int")
    for element in root.iterfind(".//g:node", NS):
        used = [d.get("key") for d in element.iterfind("g:data", NS)]
        assert len(used) == 6 and all(keys[k][0] == "node" for k in used)
    for element in root.iterfind(".//g:edge", NS):
        assert all(keys[d.get("key")][0] == "edge" for d in element.iterfind("g:data", NS))


def test_same_graph_same_bytes_whatever_the_insertion_order(concept_graph, tmp_path):
    reordered = nx.Graph()
    reordered.add_nodes_from(reversed(list(concept_graph.nodes(data=True))))
    reordered.add_edges_from((v, u, d) for u, v, d in reversed(list(concept_graph.edges(data=True))))
    write_graphml(concept_graph, tmp_path / "a.graphml")
    write_graphml(reordered, tmp_path / "b.graphml")
    assert (tmp_path / "a.graphml").read_bytes() == (tmp_path / "b.graphml").read_bytes()


def test_bad_values_are_refused_and_nothing_is_written(concept_graph, tmp_path):
    path = tmp_path / "g.graphml"
    concept_graph.nodes["MESH:D009020"]["xrefs"] = None
    with pytest.raises(TypeError, match="xrefs"):
        write_graphml(concept_graph, path)
    concept_graph.nodes["MESH:D009020"]["xrefs"] = ""
    concept_graph.edges["MESH:D009020", "UBERON:0002052"]["npmi"] = float("nan")
    with pytest.raises(ValueError, match="cannot be written"):
        write_graphml(concept_graph, path)
    assert list(tmp_path.iterdir()) == []
