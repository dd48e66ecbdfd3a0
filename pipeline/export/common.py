"""What the writers of pipeline.export share: sorted order of nodes, edges and attribute
names; text XML can hold. (CSV cells a spreadsheet will not run: pipeline.tabulate.csv_cell.)"""

from __future__ import annotations

import re
from typing import Iterable

import networkx as nx

XML_REPLACEMENT = "\ufffd"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # outside XML 1.0's Char production


def sorted_copy(graph: nx.Graph) -> nx.Graph:
    """The same graph with nodes, and edges (ends sorted), inserted in sorted order."""
    copy = nx.Graph(**graph.graph)
    copy.add_nodes_from(sorted(graph.nodes(data=True), key=lambda item: str(item[0])))
    edges = sorted(((*sorted((u, v), key=str), d) for u, v, d in graph.edges(data=True)), key=lambda e: (str(e[0]), str(e[1])))
    copy.add_edges_from(edges)
    return copy


def attribute_names(items: Iterable[dict]) -> list[str]:
    """Attribute names of nodes or edges in file order: label, name, weight first, then by name."""
    names = {name for attributes in items for name in attributes}
    return sorted(names, key=lambda n: (n not in ("label", "name", "weight"), n))


def xml_safe(text: str) -> str:
    """The text with every character XML 1.0 cannot hold (controls other than tab, LF and
    CR; U+FFFE, U+FFFF; lone surrogates) replaced by U+FFFD."""
    return _NOT_XML.sub(XML_REPLACEMENT, text)


def xml_safe_graph(graph: nx.Graph) -> nx.Graph:
    """A copy of the graph whose node ids and string attributes are xml_safe (for GEXF)."""
    def clean(attributes: dict) -> dict:
        return {k: xml_safe(v) if isinstance(v, str) else v for k, v in attributes.items()}

    copy = nx.Graph(**graph.graph)
    ids = {node: xml_safe(node) if isinstance(node, str) else node for node in graph}
    copy.add_nodes_from((ids[n], clean(d)) for n, d in graph.nodes(data=True))
    copy.add_edges_from((ids[u], ids[v], clean(d)) for u, v, d in graph.edges(data=True))
    return copy

