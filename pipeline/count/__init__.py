"""Count: co-occurrence counts, what the graph is built from, counted per partition and merged.

- counts.py: concept and pair counts of annotated documents, and their roll-up;
- store.py: the count tables (Parquet) and totals (JSON) written beside the mentions, and read back;
- merge.py: the streaming merge of sorted count tables, and counts that spill to disk.
"""
