"""VOSviewer map and network files (VOSviewer manual, "Map file" and "Network file").

- The map file is tab-separated with a header row: `id` (1, 2, ...), `label` (the
  concept's name), `description` (type and concept id), `cluster` (the Louvain community
  + 1; VOSviewer numbers clusters from 1), `weight<Documents>`, `weight<Mentions>`. It
  has no x and y, so VOSviewer lays the map out itself (VOS mapping).
- The network file has no header: `id1`, `id2`, `strength`, one row per edge, where the
  strength is the number of windows the two concepts share (VOSviewer normalises it,
  by association strength by default).

Open both with VOSviewer: Create > Create a map based on network data > VOSviewer files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx

from pipeline.export.common import sorted_copy
from pipeline.files.atomic import atomic_open

MAP_COLUMNS = ("id", "label", "description", "cluster", "weight<Documents>", "weight<Mentions>")


def write_vosviewer(graph: nx.Graph, map_path: str | Path, network_path: str | Path) -> None:
    """Write a VOSviewer map file and network file, atomically; node ids are numbered in sorted order."""
    copy = sorted_copy(graph)
    number = {node: i for i, node in enumerate(copy.nodes(), start=1)}
    strength = "sentences" if copy.graph.get("window", "sentence") == "sentence" else "documents"
    with atomic_open(map_path) as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(MAP_COLUMNS)
        for node, d in copy.nodes(data=True):
            writer.writerow([
                number[node], d.get("name", node), f"{d.get('type', '')} {node}", d.get("community", 0) + 1,
                d.get("documents", 0), d.get("mentions", 0),
            ])
    with atomic_open(network_path) as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerows([number[u], number[v], d[strength]] for u, v, d in copy.edges(data=True))


def read_vosviewer(map_path: str | Path, network_path: str | Path) -> nx.Graph:
    """Read a VOSviewer map and network file: nodes are the map's ids (ints) with its columns as
    attributes (weights and cluster as ints), edges carry `strength`."""
    graph = nx.Graph()
    with open(map_path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            node = int(row.pop("id"))
            graph.add_node(node, **{k: int(v) if k == "cluster" or k.startswith("weight<") else v for k, v in row.items()})
    with open(network_path, encoding="utf-8", newline="") as handle:
        for first, second, strength in csv.reader(handle, delimiter="\t"):
            graph.add_edge(int(first), int(second), strength=float(strength))
    return graph
