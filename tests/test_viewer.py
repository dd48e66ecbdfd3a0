"""The viewer: one self-contained HTML file, tested in a real headless browser (Debian's
chromium, which `make test-tools` installs), and the static PNG."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import missing_tool
from matplotlib.image import imread

from pipeline.cli import cli
from pipeline.export.graphml import write_graphml
from pipeline.export.style import type_colour
from pipeline.export.view import layout
from pipeline.kb import DEFAULT_KB_DIR, load_kb
from pipeline.workflow import graph

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--window-size=1280,800", "--virtual-time-budget=3000",
)
# A page that loads the viewer in a frame and uses it as a person would: search, a type
# filter, a click on an edge; it writes what the viewer showed into its own DOM.
DRIVER = """<!DOCTYPE html><html><body><iframe id="v" src="%s" width="1280" height="800"></iframe>
<pre id="result"></pre><script>
document.getElementById("v").addEventListener("load", () => {
  const w = document.getElementById("v").contentWindow, d = w.document, result = {};
  result.drawn = +d.body.dataset.nodesDrawn;
  const search = d.getElementById("search");
  search.value = %s; search.dispatchEvent(new w.Event("input"));
  result.matches = d.getElementById("matches").textContent;
  result.searchSelection = d.getElementById("info").textContent;
  const box = d.querySelector('#types input[data-type="DRUG"]');
  box.checked = false; box.dispatchEvent(new w.Event("change"));
  result.withoutDrugs = +d.body.dataset.nodesDrawn;
  box.checked = true; box.dispatchEvent(new w.Event("change"));
  const [ax, ay] = w.conceptGraph.screenPoint(%s), [bx, by] = w.conceptGraph.screenPoint(%s);
  const canvas = d.getElementById("canvas"), rect = canvas.getBoundingClientRect();
  const x = rect.left + (ax + bx) / 2, y = rect.top + (ay + by) / 2;
  canvas.dispatchEvent(new w.MouseEvent("mousedown", {clientX: x, clientY: y, bubbles: true}));
  w.dispatchEvent(new w.MouseEvent("mouseup", {clientX: x, clientY: y}));
  canvas.dispatchEvent(new w.MouseEvent("click", {clientX: x, clientY: y, bubbles: true}));
  const evidence = d.getElementById("edge-evidence"), documents = d.getElementById("edge-documents");
  result.evidence = evidence ? evidence.textContent : null;
  result.documents = documents ? documents.textContent : null;
  document.getElementById("result").textContent = JSON.stringify(result);
});
</script></body></html>"""


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium (`make test-tools` installs it)."""
    path = shutil.which("chromium")
    if path is None:
        missing_tool("chromium is not installed")
    return path


def run_chromium(chromium, tmp_path, *args):
    profile = tmp_path / "chromium-profile"
    result = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def viewer(demo_extract, tmp_path_factory):
    out = tmp_path_factory.mktemp("viewer") / "graph.graphml"
    g = graph([demo_extract], out, load_kb(DEFAULT_KB_DIR), top_k=4)
    result = CliRunner().invoke(cli, ["view", str(out), "--png", str(out.with_suffix(".png"))])
    assert result.exit_code == 0, result.output
    return g, out.with_suffix(".html"), out.with_suffix(".png")


def test_html_is_one_self_contained_file(viewer):
    _, page, _ = viewer
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", text, re.IGNORECASE)
    assert "http://" not in text.split("<script", 1)[0] and "@import" not in text


def clearest_edge(g):
    """The edge with evidence whose midpoint lies farthest from every node and every other
    edge in the viewer's layout, so a click there can only mean that edge."""
    positions = {n: np.array(p) for n, p in layout(g).items()}
    segments = [(u, v, positions[u], positions[v]) for u, v in g.edges()]

    def distance_to_segment(point, a, b):
        t = np.clip(np.dot(point - a, b - a) / max(np.dot(b - a, b - a), 1e-9), 0, 1)
        return float(np.linalg.norm(point - (a + t * (b - a))))

    def clearance(u, v):
        middle = (positions[u] + positions[v]) / 2
        to_nodes = min(np.linalg.norm(middle - p) for p in positions.values())
        to_edges = min((distance_to_segment(middle, a, b) for x, y, a, b in segments if {x, y} != {u, v}), default=np.inf)
        return min(to_nodes, to_edges)

    u, v, data = max(((u, v, d) for u, v, d in g.edges(data=True) if d["evidence"]), key=lambda e: (clearance(e[0], e[1]), e[0], e[1]))
    return u, v, data


def test_browser_draws_searches_filters_and_shows_edge_evidence(viewer, chromium, tmp_path):
    g, page, _ = viewer
    source, target, edge = clearest_edge(g)
    name = g.nodes[source]["name"]
    driver = tmp_path / "driver.html"
    driver.write_text(DRIVER % (page.as_uri(), json.dumps(name), json.dumps(source), json.dumps(target)), encoding="utf-8")
    dom = run_chromium(chromium, tmp_path, "--allow-file-access-from-files", "--dump-dom", driver.as_uri())
    result = json.loads(html.unescape(re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL).group(1)))
    assert result["drawn"] == g.number_of_nodes()
    drugs = sum(d["type"] == "DRUG" for _, d in g.nodes(data=True))
    assert drugs and result["withoutDrugs"] == g.number_of_nodes() - drugs
    assert result["matches"].split()[0].isdigit() and int(result["matches"].split()[0]) >= 1
    assert result["evidence"] == edge["evidence"]
    assert result["documents"] == ", ".join(edge["pmids"].split(";"))


def test_browser_screenshot_shows_the_nodes_in_their_colours(viewer, chromium, tmp_path):
    g, page, _ = viewer
    shot = tmp_path / "viewer.png"
    run_chromium(chromium, tmp_path, f"--screenshot={shot}", page.as_uri())
    pixels = imread(shot)[:, 320:, :3]  # the drawing, right of the side panel
    for concept_type in {d["type"] for _, d in g.nodes(data=True)} - {"DISORDER"}:
        colour = [int(type_colour(concept_type)[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        close = (abs(pixels - colour) < 0.02).all(axis=2).sum()
        assert close > 20, f"no {concept_type} nodes drawn"


def test_png_for_papers_is_drawn_and_repeatable(viewer, tmp_path):
    g, page, png = viewer
    image = imread(png)
    assert image.shape[0] > 500 and image.shape[1] > 500
    drawn = (image[:, :, :3] < 0.9).any(axis=2).mean()
    assert 0.005 < drawn < 0.5  # something drawn, not a blank or a black page
    again = tmp_path / "graph.png"
    assert CliRunner().invoke(cli, ["view", str(page.with_suffix(".graphml")), "--out", str(tmp_path / "graph.html"),
                                    "--png", str(again)]).exit_code == 0
    assert again.read_bytes() == png.read_bytes()
    assert (tmp_path / "graph.html").read_bytes() == page.read_bytes()


HOSTILE = '<img src=x onerror="parent.pwned=(parent.pwned||0)+1"><svg onload="parent.pwned=(parent.pwned||0)+1"></svg> $x^$'
# A page that opens a concept and an edge of the viewer by their links and writes what it showed.
HOSTILE_DRIVER = """<!DOCTYPE html><html><body><iframe id="v" src="%s" width="1280" height="800"></iframe>
<pre id="result"></pre><script>
document.getElementById("v").addEventListener("load", () => {
  const w = document.getElementById("v").contentWindow, d = w.document, info = d.getElementById("info"), result = {};
  const markup = element => element.querySelectorAll("img, svg, script, iframe").length;
  w.location.hash = "node=" + encodeURIComponent(%s);
  setTimeout(() => {
    result.node = info.textContent; result.nodeMarkup = markup(info);
    w.location.hash = "edge=" + encodeURIComponent(%s) + "~" + encodeURIComponent(%s);
    setTimeout(() => {
      result.edge = info.textContent; result.edgeMarkup = markup(info);
      result.types = d.getElementById("types").textContent; result.typesMarkup = markup(d.getElementById("types"));
      result.heading = d.querySelector("h1").textContent; result.pageMarkup = d.querySelectorAll("img, svg, iframe").length;
      result.pwned = window.pwned || 0;
      document.getElementById("result").textContent = JSON.stringify(result);
    }, 500);
  }, 500);
});
</script></body></html>"""


def test_case_14_viewer_shows_hostile_attributes_as_text(chromium, tmp_path, record_property):
    """Case 14. `view` of a GraphML whose attributes hold markup.
    Before: `community` and the edge `sentences` went into innerHTML unescaped: an `<img onerror>` ran on click.
    Now: the side panel is built from DOM text nodes only (no innerHTML), so every attribute shows as the text it is; tested in headless chromium with markup in every attribute, the ids, the type and the title (and `$math$`, which the PNG draws as text)."""
    hostile = nx.Graph(window="sentence")
    source, target = "A" + HOSTILE, "B" + HOSTILE
    for node in (source, target):
        hostile.add_node(node, label=HOSTILE, name=HOSTILE, type=HOSTILE, documents=HOSTILE, mentions=HOSTILE, community=HOSTILE)
    hostile.add_edge(source, target, **{f: HOSTILE for f in ("weight", "sentences", "documents", "npmi", "evidence", "pmids",
                                                            "relations", "relation_evidence")})
    write_graphml(hostile, tmp_path / "hostile.graphml")
    result = CliRunner().invoke(cli, ["view", str(tmp_path / "hostile.graphml"), "--title", HOSTILE, "--png", str(tmp_path / "h.png")])
    assert result.exit_code == 0, result.output
    driver = tmp_path / "driver.html"
    page = (tmp_path / "hostile.html").as_uri()
    driver.write_text(HOSTILE_DRIVER % (page, json.dumps(source), json.dumps(source), json.dumps(target)), encoding="utf-8")
    dom = run_chromium(chromium, tmp_path, "--allow-file-access-from-files", "--dump-dom", driver.as_uri())
    shown = json.loads(html.unescape(re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL).group(1)))
    assert shown["pwned"] == 0 and shown["pageMarkup"] == 0
    assert shown["nodeMarkup"] == shown["edgeMarkup"] == shown["typesMarkup"] == 0
    assert shown["node"].count(HOSTILE) == 7  # name, id, type, community, documents, mentions, the neighbour's name
    assert source in shown["node"]
    assert shown["edge"].count(HOSTILE) >= 8  # both names, relations and their evidence, evidence, documents, statistics
    assert HOSTILE in shown["types"] and shown["heading"] == HOSTILE
    record_property("observed", f"chromium: 0 scripts ran, 0 elements from the graph; the panel reads {shown['node'][:60]!r}...")


def test_graphml_records_what_made_it_and_the_viewer_draws_by_its_window(demo_extract, chromium, tmp_path):
    """A document-window graph read back from GraphML is drawn by documents shared (issue 15)."""
    out = tmp_path / "documents.graphml"
    kb = load_kb(DEFAULT_KB_DIR)
    made = graph([demo_extract], out, kb, window="document", min_count=2, exclude_negated=True)
    back = nx.read_graphml(out)
    assert {k: back.graph[k] for k in ("window", "level", "metric", "min_count", "exclude_negated", "kb_version")} == {
        "window": "document", "level": "leaf", "metric": "count", "min_count": 2, "exclude_negated": 1, "kb_version": kb.version}
    assert back.graph["version"] == made.graph["version"] and len(kb.version) == 12
    assert CliRunner().invoke(cli, ["view", str(out)]).exit_code == 0
    dom = run_chromium(chromium, tmp_path, "--dump-dom", out.with_suffix(".html").as_uri())
    summary = html.unescape(re.search(r'<div class="muted" id="summary">(.*?)</div>', dom).group(1))
    assert "width: documents shared" in summary and "window document" in summary and "min count 2" in summary
    assert "negated mentions left out" in summary and kb.version in summary
    data = json.loads(html.unescape(re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', dom, re.S).group(1)))
    u, v, d = max(made.edges(data=True), key=lambda e: e[2]["documents"] - e[2]["sentences"])
    index = {node["id"]: i for i, node in enumerate(data["nodes"])}
    edge = next(e for e in data["edges"] if {e["s"], e["t"]} == {index[u], index[v]})
    assert edge["count"] == d["documents"] != d["sentences"]
