"""Print a graph's top edges as a Markdown table (used for the README's demo table).

    python scripts/top_edges.py out/demo/graph.graphml --by log_likelihood -n 10
"""

from __future__ import annotations

import argparse

from pipeline.export.graphml import read_graphml

COLUMNS = ("sentences", "documents", "npmi", "association_strength", "log_likelihood", "affirmed", "negated", "relation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graphml")
    parser.add_argument("--by", default="log_likelihood", help="edge attribute to rank by (default: log_likelihood)")
    parser.add_argument("-n", type=int, default=10, help="number of edges (default: 10)")
    args = parser.parse_args()
    graph = read_graphml(args.graphml)
    edges = sorted(graph.edges(data=True), key=lambda e: (-e[2][args.by], e[0], e[1]))[: args.n]
    print("| concept | concept | " + " | ".join(COLUMNS) + " |")
    print("|---|---|" + "---:|" * (len(COLUMNS) - 1) + "---|")
    for u, v, d in edges:
        values = [f"{d[c]:.2f}" if isinstance(d[c], float) else str(d[c]) for c in COLUMNS]
        if d["relation"]:
            values[-1] = f"{graph.nodes[d['relation_source']]['name']} {d['relation']} {graph.nodes[d['relation_target']]['name']}"
        print(f"| {graph.nodes[u]['name']} | {graph.nodes[v]['name']} | " + " | ".join(values) + " |")


if __name__ == "__main__":
    main()
