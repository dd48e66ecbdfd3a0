"""Look at a concept graph: one self-contained HTML viewer, and a static PNG for papers.

The HTML file (template: pipeline/export/viewer.html, vanilla JavaScript on a canvas, nothing
loaded from the network) holds the graph as JSON: nodes coloured by type and sized by
documents (pipeline.export.style), at positions computed here with NetworkX's seeded
spring layout. It has search, type filters, pan and zoom; clicking a concept lists its
neighbours, clicking an edge shows its evidence sentence, stated relations, document
ids and statistics. Every attribute is put into the page as text (DOM text nodes,
never HTML), so a graph whose attributes hold markup shows the markup. `graph.html#edge=SOURCE~TARGET` or `#node=ID` opens with that
edge or concept selected.

The PNG is drawn by matplotlib (Agg backend) with the same layout, colours and sizes,
and labels on the most frequent concepts.
"""

from __future__ import annotations

import json
import math
from importlib.resources import files
from pathlib import Path

import networkx as nx

from pipeline.export.style import node_radius, type_colour
from pipeline.files.atomic import atomic_open, atomic_path

SEED = 0
LABELLED = 15  # concepts labelled from the start (most documents first); the others when zoomed in
GRAPH_FIELDS = ("window", "level", "metric", "min_count", "exclude_negated", "version", "kb_version")  # what made the graph
EDGE_FIELDS = (
    "sentences", "documents", "weight", "npmi", "association_strength", "jaccard", "log_likelihood", "p_value",
    "affirmed", "negated", "first_year", "last_year",
)


def _spring(graph: nx.Graph, nodes: list, box: tuple[float, float, float, float]) -> dict:
    """Seeded spring layout of the subgraph on `nodes` (sorted), scaled into box (x, y, width, height)."""
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from(sorted(tuple(sorted((u, v), key=str)) for u, v in graph.subgraph(nodes).edges()))
    x, y, width, height = box
    if len(nodes) == 1:
        return {nodes[0]: (x + width / 2, y + height / 2)}
    positions = nx.spring_layout(sub, seed=SEED, iterations=200, k=2.5 / len(nodes) ** 0.5)
    return {n: (x + width * (0.5 + 0.45 * float(px)), y + height * (0.5 - 0.45 * float(py))) for n, (px, py) in positions.items()}


def layout(graph: nx.Graph) -> dict:
    """Node positions (y down), seeded and rounded, so the same graph always gets the same picture.

    The largest connected component fills a 1000 x 800 box; the other components
    (isolated concepts too) are laid out in small boxes in rows below it.
    """
    components = sorted((sorted(c, key=str) for c in nx.connected_components(graph)), key=lambda c: (-len(c), str(c[0])))
    if not components:
        return {}
    positions = _spring(graph, components[0], (0, 0, 1000, 800))
    rest = components[1:]
    columns = max(10, int(len(rest) ** 0.5) + 1)
    cell = 1000 / columns
    for i, component in enumerate(rest):
        row, column = divmod(i, columns)
        positions.update(_spring(graph, component, (column * cell, 820 + row * cell, cell, cell)))
    return {node: (round(x, 2), round(y, 2)) for node, (x, y) in positions.items()}


def _number(value, default: float = 0) -> float:
    """A finite number from an attribute (a hostile or foreign GraphML may hold text), else `default`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _shown(value):
    """An attribute as the viewer shows it: str, int and finite floats as they are, anything else as text."""
    if isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    return str(value)


def view_data(graph: nx.Graph) -> dict:
    """What the viewer draws: nodes (with positions, colours and radii), edges (with evidence)
    and what made the graph (its GraphML graph attributes, GRAPH_FIELDS).

    Attributes are passed on as they are, to be shown as text; what is computed with
    (sizes, widths, which concepts are labelled) uses them as numbers, 0 when they are not.
    Edge widths follow the graph's window: the sentences an edge's concepts share, or in
    a document-window graph the documents.
    """
    positions = layout(graph)
    nodes = sorted(graph.nodes(data=True), key=lambda item: str(item[0]))
    index = {node: i for i, (node, _) in enumerate(nodes)}
    labelled = {node for node, _ in sorted(nodes, key=lambda item: (-_number(item[1].get("documents")), str(item[0])))[:LABELLED]}
    shared = "sentences" if graph.graph.get("window", "sentence") == "sentence" else "documents"
    edges = sorted(graph.edges(data=True), key=lambda e: tuple(sorted((str(e[0]), str(e[1])))))
    return {
        "graph": {name: _shown(graph.graph[name]) for name in GRAPH_FIELDS if name in graph.graph},
        "shared": shared,
        "labelScale": 2.0,
        "edgeFields": list(EDGE_FIELDS),
        "nodes": [
            {
                "id": str(node), "name": str(d.get("name", node)), "type": str(d.get("type", "")),
                "documents": _shown(d.get("documents", 0)), "mentions": _shown(d.get("mentions", 0)),
                "community": _shown(d.get("community", 0)),
                "x": positions[node][0], "y": positions[node][1], "r": node_radius(_number(d.get("documents"), 1), 3.0),
                "colour": type_colour(str(d.get("type", ""))), "labelled": node in labelled,
            }
            for node, d in nodes
        ],
        "edges": [
            {
                "s": index[u], "t": index[v], "count": _number(d.get(shared, d.get("documents")), 1),
                "evidence": str(d.get("evidence", "")), "pmids": str(d.get("pmids", "")),
                "relations": str(d.get("relations", "")), "relationEvidence": str(d.get("relation_evidence", "")),
                "attributes": {f: _shown(d[f]) for f in EDGE_FIELDS if f in d},
            }
            for u, v, d in edges
        ],
    }


def render_html(graph: nx.Graph, title: str) -> str:
    """The viewer page of a graph, everything inline."""
    template = files("pipeline.export").joinpath("viewer.html").read_text(encoding="utf-8")
    payload = json.dumps(view_data(graph), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return template.replace("__TITLE__", safe_title).replace("__DATA__", payload)


def write_html(graph: nx.Graph, path: str | Path, title: str | None = None) -> None:
    """Write the self-contained viewer page, atomically."""
    with atomic_open(path) as handle:
        handle.write(render_html(graph, title or Path(path).stem))


def write_png(graph: nx.Graph, path: str | Path, title: str | None = None, dpi: int = 150) -> None:
    """Draw the graph with matplotlib (Agg) as a PNG for papers, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    data = view_data(graph)
    nodes, edges = data["nodes"], data["edges"]
    figure, axes = plt.subplots(figsize=(10, 8))
    heaviest = max((e["count"] for e in edges), default=1)
    for edge in edges:
        a, b = nodes[edge["s"]], nodes[edge["t"]]
        axes.plot([a["x"], b["x"]], [a["y"], b["y"]], color="#888888", alpha=0.35,
                  linewidth=0.4 + 2.5 * (edge["count"] / heaviest) ** 0.5, zorder=1)
    axes.scatter([n["x"] for n in nodes], [n["y"] for n in nodes], s=[(n["r"] * 1.6) ** 2 for n in nodes],
                 c=[n["colour"] for n in nodes], edgecolors="white", linewidths=0.6, zorder=2)
    for node in nodes:
        if node["labelled"]:
            axes.annotate(node["name"], (node["x"], node["y"]), xytext=(0, node["r"] * 1.6 + 2), textcoords="offset points",
                          ha="center", fontsize=7, zorder=3, parse_math=False)  # a name is text, never $math$
    present = sorted({n["type"] for n in nodes})
    handles = [Line2D([], [], marker="o", linestyle="", color=type_colour(t), label=t.replace("$", r"\$")) for t in present]
    axes.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)
    axes.set_title(title or Path(path).stem, fontsize=10, parse_math=False)
    axes.invert_yaxis()
    axes.set_axis_off()
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(figure)
