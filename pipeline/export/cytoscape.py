"""Cytoscape.js JSON (`elements` of nodes and edges with their `data`), by networkx's cytoscape_data.

Opens in Cytoscape desktop (File > Import > Network from File, .cyjs) and in
Cytoscape.js (`cy.json(...)`). Written sorted and indented, so the same graph gives
the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from pipeline.export.common import sorted_copy
from pipeline.files.atomic import atomic_open


def write_cytoscape(graph: nx.Graph, path: str | Path) -> None:
    """Write the graph as Cytoscape.js JSON, atomically."""
    data = nx.cytoscape_data(sorted_copy(graph))
    with atomic_open(path) as handle:
        json.dump(data, handle, indent=1, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def read_cytoscape(path: str | Path) -> nx.Graph:
    """Read Cytoscape.js JSON (written by write_cytoscape or Cytoscape) into a NetworkX graph."""
    return nx.cytoscape_graph(json.loads(Path(path).read_text(encoding="utf-8")))
