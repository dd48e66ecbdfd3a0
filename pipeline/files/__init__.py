"""Files: what every stage writes with.

- atomic.py: atomic writes (a temporary file beside the target, then a rename);
- outdir.py: an output folder's lock (one run at a time) and its completion record.
"""
