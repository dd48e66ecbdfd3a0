"""Graph: the concept graph (NetworkX) built from co-occurrence counts.

- build.py: build, prune (min_count, backbone, top_k), communities and centrality;
- edge_stats.py: edge statistics over all pairs (npmi, association strength, ...), numpy and scipy;
- diff.py: the difference graph of two corpora, with bootstrap intervals.
"""
