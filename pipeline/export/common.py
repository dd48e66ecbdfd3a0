"""What the writers of pipeline.export share: sorted order of nodes, edges and attribute names."""

from __future__ import annotations

from typing import Iterable

import networkx as nx


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
