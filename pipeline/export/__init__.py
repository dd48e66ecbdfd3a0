"""Export: the concept graph in the formats researchers open it with, one module per format.

GraphML (graphml.py) is always written; `export_graph` writes the others beside it,
named after the GraphML file (graph.graphml -> graph.gexf, graph.nodes.csv...):

| format | files | module |
|---|---|---|
| gexf | STEM.gexf | gexf.py (Gephi) |
| csv | STEM.nodes.csv, STEM.edges.csv | tables.py |
| cytoscape | STEM.cyjs | cytoscape.py (Cytoscape, Cytoscape.js) |
| vosviewer | STEM.vosviewer_map.txt, STEM.vosviewer_network.txt | vosviewer.py |
| mentions | STEM.mentions.jsonl (the extract folders' mentions) | mentions.py |
| html | STEM.html (the viewer) | pipeline/export/view.py |
| png | STEM.png (a static picture) | pipeline/export/view.py |
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import networkx as nx

EXPORTS = ("gexf", "csv", "cytoscape", "vosviewer", "mentions", "html", "png")


def export_paths(graphml_path: str | Path, fmt: str) -> list[Path]:
    """The files format `fmt` writes beside a GraphML file."""
    path = Path(graphml_path)
    suffixes = {
        "gexf": [".gexf"], "csv": [".nodes.csv", ".edges.csv"], "cytoscape": [".cyjs"],
        "vosviewer": [".vosviewer_map.txt", ".vosviewer_network.txt"], "mentions": [".mentions.jsonl"],
        "html": [".html"], "png": [".png"],
    }[fmt]
    return [path.with_name(path.stem + suffix) for suffix in suffixes]


def export_graph(graph: nx.Graph, graphml_path: str | Path, formats: Sequence[str], directories: Sequence[str | Path] = ()) -> list[Path]:
    """Write the graph in each of `formats` beside its GraphML file; `directories` are the
    extract folders whose mentions the `mentions` format writes. Returns the files written."""
    from pipeline.export.cytoscape import write_cytoscape
    from pipeline.export.gexf import write_gexf
    from pipeline.export.mentions import mention_rows, write_mentions_jsonl
    from pipeline.export.tables import write_tables
    from pipeline.export.view import write_html, write_png
    from pipeline.export.vosviewer import write_vosviewer

    unknown = sorted(set(formats) - set(EXPORTS))
    if unknown:
        raise ValueError(f"unknown export format(s) {', '.join(unknown)}; choose from {', '.join(EXPORTS)}")
    writers = {
        "gexf": write_gexf, "csv": write_tables, "cytoscape": write_cytoscape, "vosviewer": write_vosviewer,
        "html": write_html, "png": write_png,
    }
    written = []
    for fmt in dict.fromkeys(formats):
        paths = export_paths(graphml_path, fmt)
        if fmt == "mentions":
            write_mentions_jsonl(mention_rows(directories), *paths)
        else:
            writers[fmt](graph, *paths)
        written.extend(paths)
    return written
