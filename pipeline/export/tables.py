"""CSV node and edge tables, for spreadsheets, pandas and R.

`nodes.csv` has a row per node: id, then the node attributes; `edges.csv` a row per
edge: source, target, then the edge attributes (label, name and weight first, then by
name, as in the GraphML file). Rows are in sorted order; floats are written exactly
(Python's repr). A text cell starting with =, +, -, @, tab or CR is written with a
leading single quote, so a spreadsheet shows it instead of running it (pipeline.tabulate.csv_cell).
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pandas as pd

from pipeline.export.common import attribute_names, sorted_copy
from pipeline.files.atomic import atomic_open
from pipeline.tabulate import csv_cell


def write_tables(graph: nx.Graph, nodes_path: str | Path, edges_path: str | Path) -> None:
    """Write the node table and the edge table as CSV, atomically."""
    copy = sorted_copy(graph)
    node_names = attribute_names(d for _, d in copy.nodes(data=True))
    edge_names = attribute_names(d for _, _, d in copy.edges(data=True))
    with atomic_open(nodes_path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", *node_names])
        writer.writerows([csv_cell(node), *(csv_cell(d.get(n, "")) for n in node_names)] for node, d in copy.nodes(data=True))
    with atomic_open(edges_path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["source", "target", *edge_names])
        writer.writerows([csv_cell(u), csv_cell(v), *(csv_cell(d.get(n, "")) for n in edge_names)] for u, v, d in copy.edges(data=True))


def read_tables(nodes_path: str | Path, edges_path: str | Path) -> nx.Graph:
    """Read node and edge tables back into a graph; column types are inferred by pandas
    (so an id-like text column of digits comes back as numbers)."""
    nodes = pd.read_csv(nodes_path, keep_default_na=False, dtype={"id": str})
    edges = pd.read_csv(edges_path, keep_default_na=False, dtype={"source": str, "target": str})
    graph = nx.from_pandas_edgelist(edges, "source", "target", edge_attr=True)
    for row in nodes.to_dict("records"):
        graph.add_node(row.pop("id"), **row)
    return graph
