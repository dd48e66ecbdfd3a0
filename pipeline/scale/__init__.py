"""Scale: a corpus annotated in partitions, on one machine or a Dask cluster.

- partition.py: the plan (partitions of a corpus), running one partition, joining the parts;
- distribute.py: the engines that run the partitions (this process, a pool of processes, Dask).
"""
