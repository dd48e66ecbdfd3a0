"""GEXF (Gephi's own format), written by networkx's GEXF writer.

Nodes and edges are written in sorted order with their attributes, plus Gephi's
viz colour (by type) and size (by documents); networkx's `lastmodifieddate` (today's
date) is left out, so the same graph always gives the same bytes. Characters XML cannot
hold are written as U+FFFD, as in the GraphML file (common.xml_safe).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from pipeline.export.common import sorted_copy, xml_safe_graph
from pipeline.export.style import node_radius, type_colour
from pipeline.files.atomic import atomic_path


def write_gexf(graph: nx.Graph, path: str | Path) -> None:
    """Write the graph as GEXF 1.2 with viz colours and sizes, atomically."""
    copy = xml_safe_graph(sorted_copy(graph))
    for _, attributes in copy.nodes(data=True):
        red, green, blue = (int(type_colour(attributes.get("type", ""))[i:i + 2], 16) for i in (1, 3, 5))
        attributes["viz"] = {"color": {"r": red, "g": green, "b": blue, "a": 1.0}, "size": node_radius(attributes.get("documents", 1))}
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.xml.find("meta").attrib.pop("lastmodifieddate")
    writer.add_graph(copy)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        writer.write(handle)


def read_gexf(path: str | Path) -> nx.Graph:
    """Read a GEXF file (written by write_gexf or Gephi) into a NetworkX graph."""
    return nx.read_gexf(path)
