"""Exports beside GraphML: GEXF, CSV tables, Cytoscape.js JSON, VOSviewer files, mentions JSONL;
round trips, same bytes for the same graph, the --export option, and a JavaScript GraphML
reader (graphology-graphml from npm, run with node) parsing our GraphML."""

from __future__ import annotations

import json
import shutil
import subprocess

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import NPM_DIR, missing_tool

from pipeline.cli import cli
from pipeline.export import EXPORTS, export_graph, export_paths
from pipeline.export.cytoscape import read_cytoscape
from pipeline.export.gexf import read_gexf
from pipeline.export.mentions import read_mentions_jsonl
from pipeline.export.tables import read_tables
from pipeline.export.vosviewer import read_vosviewer
from pipeline.kb import DEFAULT_KB_DIR, load_kb
from pipeline.workflow import graph

PARSE_GRAPHML_JS = """
const fs = require("fs");
const Graph = require("graphology");
const {parse} = require("graphology-graphml");
const graph = parse(Graph, fs.readFileSync(process.argv[2], "utf8"));
const edge = graph.edges()[0];
console.log(JSON.stringify({
  type: graph.type, order: graph.order, size: graph.size,
  nodes: graph.mapNodes((id, attributes) => [id, attributes.name, attributes.type, attributes.documents]),
  edge: [graph.source(edge), graph.target(edge), graph.getEdgeAttributes(edge)],
}));
"""


@pytest.fixture(scope="module")
def demo_graph(demo_extract, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "graph.graphml"
    return graph([demo_extract], out, load_kb(DEFAULT_KB_DIR), top_k=5), out


def edge_key(u, v):
    return tuple(sorted((str(u), str(v))))


def test_gexf_round_trip(demo_graph, tmp_path):
    g, graphml = demo_graph
    (path,) = export_graph(g, graphml.with_name("g.graphml"), ["gexf"])
    back = read_gexf(path)
    assert sorted(back.nodes()) == sorted(g.nodes())
    assert {edge_key(u, v) for u, v in back.edges()} == {edge_key(u, v) for u, v in g.edges()}
    node = next(iter(g.nodes()))
    for name in ("name", "type", "documents", "community", "betweenness"):
        assert back.nodes[node][name] == g.nodes[node][name]
    assert "viz" in back.nodes[node] and "lastmodifieddate" not in path.read_text(encoding="utf-8")
    u, v = next(iter(g.edges()))
    for name in ("sentences", "npmi", "association_strength", "evidence", "relation", "affirmed"):
        assert back.edges[u, v][name] == g.edges[u, v][name]


def test_csv_tables_round_trip(demo_graph):
    g, graphml = demo_graph
    nodes_path, edges_path = export_graph(g, graphml.with_name("t.graphml"), ["csv"])
    assert nodes_path.read_text(encoding="utf-8").splitlines()[0].startswith("id,label,name,")
    assert edges_path.read_text(encoding="utf-8").splitlines()[0].startswith("source,target,weight,")
    back = read_tables(nodes_path, edges_path)
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    for u, v, d in g.edges(data=True):
        assert (back.edges[u, v]["sentences"], back.edges[u, v]["log_likelihood"]) == (d["sentences"], d["log_likelihood"])
        assert back.edges[u, v]["evidence"] == d["evidence"]


def test_cytoscape_round_trip(demo_graph):
    g, graphml = demo_graph
    (path,) = export_graph(g, graphml.with_name("c.graphml"), ["cytoscape"])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"nodes", "edges"} <= set(data["elements"])
    assert data["elements"]["edges"][0]["data"]["source"] <= data["elements"]["edges"][0]["data"]["target"]
    back = read_cytoscape(path)
    assert sorted(back.nodes()) == sorted(g.nodes())
    u, v = next(iter(g.edges()))
    assert back.edges[u, v]["npmi"] == g.edges[u, v]["npmi"] and back.nodes[u]["name"] == g.nodes[u]["name"]


def test_vosviewer_map_and_network(demo_graph):
    g, graphml = demo_graph
    map_path, network_path = export_graph(g, graphml.with_name("v.graphml"), ["vosviewer"])
    header = map_path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert header == ["id", "label", "description", "cluster", "weight<Documents>", "weight<Mentions>"]
    back = read_vosviewer(map_path, network_path)
    number = {node: i for i, node in enumerate(sorted(g.nodes()), start=1)}
    assert back.number_of_edges() == g.number_of_edges()
    for u, v, d in g.edges(data=True):
        assert back.edges[number[u], number[v]]["strength"] == d["sentences"]  # the sentence window's counts
    node = sorted(g.nodes())[0]
    assert back.nodes[1]["label"] == g.nodes[node]["name"] and back.nodes[1]["cluster"] == g.nodes[node]["community"] + 1
    assert min(d["cluster"] for _, d in back.nodes(data=True)) == 1


def test_mentions_jsonl_has_every_mention(demo_graph, demo_extract):
    g, graphml = demo_graph
    (path,) = export_graph(g, graphml.with_name("m.graphml"), ["mentions"], [demo_extract])
    rows = list(read_mentions_jsonl(path))
    assert rows == pq.read_table(demo_extract / "mentions.parquet").to_pylist()
    assert {"negated", "hedged"} <= set(rows[0]) and any(r["negated"] for r in rows) and any(r["hedged"] for r in rows)


def test_every_export_gives_the_same_bytes_twice(demo_graph, demo_extract, tmp_path):
    g, _ = demo_graph
    first = export_graph(g, tmp_path / "one" / "g.graphml", EXPORTS, [demo_extract])
    second = export_graph(g, tmp_path / "two" / "g.graphml", EXPORTS, [demo_extract])
    assert [p.name for p in first] == [p.name for p in second] and len(first) == 9
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert not list((tmp_path / "one").glob("*.tmp"))


def test_graph_command_exports_beside_the_graphml(demo_extract, tmp_path):
    out = tmp_path / "cli" / "demo.graphml"
    result = CliRunner().invoke(cli, ["graph", str(demo_extract), "--out", str(out), "--metric", "npmi", "--top-k", "3",
                                      "--backbone", "0.3", "--exclude-negated", "--export", "gexf", "--export", "csv", "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        [out.name] + [p.name for fmt in ("gexf", "csv") for p in export_paths(out, fmt)])
    usage = CliRunner().invoke(cli, ["graph", str(demo_extract), "--export", "pdf"])
    assert usage.exit_code == 2


@pytest.fixture(scope="module")
def graphology():
    """node with graphology and graphology-graphml (`make test-tools` installs them into NPM_DIR)."""
    if shutil.which("node") is None:
        missing_tool("node is not installed")
    if not (NPM_DIR / "node_modules" / "graphology-graphml").is_dir():
        missing_tool(f"graphology-graphml is not installed in {NPM_DIR}")
    script = NPM_DIR / "parse_graphml.js"
    script.write_text(PARSE_GRAPHML_JS, encoding="utf-8")
    return script


def test_javascript_graphml_reader_parses_our_graphml(demo_graph, graphology):
    g, graphml = demo_graph
    result = subprocess.run(["node", str(graphology), str(graphml)], capture_output=True, text=True, timeout=60, cwd=NPM_DIR)
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert (parsed["type"], parsed["order"], parsed["size"]) == ("undirected", g.number_of_nodes(), g.number_of_edges())
    assert sorted(parsed["nodes"]) == sorted([n, d["name"], d["type"], d["documents"]] for n, d in g.nodes(data=True))
    source, target, attributes = parsed["edge"]
    expected = g.edges[source, target]
    assert {k: attributes[k] for k in expected} == expected  # every attribute, typed (ints, floats, strings)
