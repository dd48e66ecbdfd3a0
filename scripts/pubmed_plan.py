"""The PubMed-size plan, from measurements: `graph` on the counts of generated corpora.

For each corpus size (default 1 M and 5 M documents) the counts are generated as extract
writes them (pipeline.bench.generated_counts: the bench's Zipf-like generator over 5,000
concepts, counted in chunks on --workers processes and merged), then `neuroconcepts graph`
runs on them at each --min-count (default 1, 3 and 10), each in a fresh process under
/usr/bin/time (wall time, peak RSS). The results, with the load average around each step,
go to OUT/pubmed_plan.json and OUT/pubmed_plan.md, rewritten after every step (a long run
that is stopped keeps what it measured). It takes about half an hour for the default sizes
on two cores; it is not part of `make test` or `make bench`.

    .venv/bin/python scripts/pubmed_plan.py --out reports --work /tmp/pubmed-plan
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from pipeline.bench import GENERATED_CHUNK, GENERATED_CONCEPTS, generated_counts
from pipeline.files.atomic import atomic_open

REPO = Path(__file__).resolve().parent.parent
NEUROCONCEPTS = [sys.executable, "-m", "pipeline"]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


MEMORY_LIMIT = 20 << 30  # bytes of address space a graph process may take: a MemoryError, not the kernel's OOM killer


def _memory_limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def timed_graph(counts: Path, min_count: int, timeout: int) -> dict:
    """`neuroconcepts graph COUNTS --min-count N` in a fresh process: wall seconds, peak RSS, nodes and edges."""
    out = counts.parent / f"graph-{counts.name}-{min_count}.graphml"
    usage = counts.parent / "time.txt"
    command = ["/usr/bin/time", "-f", "%e %M", "-o", str(usage), *NEUROCONCEPTS, "graph", str(counts),
               "--min-count", str(min_count), "--out", str(out), "-q"]
    result = {"min_count": min_count, "load_before": load()}
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, preexec_fn=_memory_limit)
    except subprocess.TimeoutExpired:
        return result | {"finished": False, "reason": f"stopped after {timeout} s"}
    if done.returncode != 0:
        return result | {"finished": False, "reason": (done.stderr.strip().splitlines() or ["?"])[-1]}
    seconds, kilobytes = usage.read_text().split()[-2:]
    nodes = edges = 0
    with open(out, encoding="utf-8") as graphml:
        for line in graphml:
            stripped = line.lstrip()
            nodes += stripped.startswith("<node ")
            edges += stripped.startswith("<edge ")
    result |= {"finished": True, "seconds": float(seconds), "peak_rss_mb": round(int(kilobytes) / 1024, 1),
               "nodes": nodes, "edges": edges, "graphml_mb": round(out.stat().st_size / 1e6, 1), "load_after": load()}
    out.unlink()
    return result


def render(results: dict) -> str:
    lines = [
        "# PubMed-size plan: graph on generated counts", "",
        f"Produced by `{results['command']}` ({results['started']} to {results.get('ended', 'not finished')}, "
        f"{os.cpu_count()} cores). Counts generated as extract writes them (pipeline.bench.generated_counts: "
        f"{GENERATED_CONCEPTS:,} concepts, Zipf-like; 6 to 12 sentences and 4 to 16 mentions a document, 7% negated, "
        f"a year and species tags), counted on 2 processes in chunks of {GENERATED_CHUNK:,} documents and merged. Then "
        "`neuroconcepts graph DIR --min-count N` in a fresh process under /usr/bin/time: wall time and peak RSS.", "",
        "| documents | pairs | count s | merge s | load before |", "|---:|---:|---:|---:|---|",
    ]
    for size in results["sizes"]:
        c = size["counts"]
        lines.append(f"| {c['documents']:,} | {c['pairs']:,} | {c['count_seconds']} | {c['merge_seconds']} | {size['load_before']} |")
    lines += ["", "| documents | --min-count | nodes | edges | seconds | peak RSS MB | GraphML MB | load before, after |",
              "|---:|---:|---:|---:|---:|---:|---:|---|"]
    for size in results["sizes"]:
        for g in size["graphs"]:
            if g["finished"]:
                lines.append(f"| {size['counts']['documents']:,} | {g['min_count']} | {g['nodes']:,} | {g['edges']:,} | {g['seconds']} | "
                             f"{g['peak_rss_mb']:,} | {g['graphml_mb']} | {g['load_before']}, {g['load_after']} |")
            else:
                lines.append(f"| {size['counts']['documents']:,} | {g['min_count']} | | | did not finish: {g['reason']} | | | {g['load_before']} |")
    return "\n".join(lines) + "\n"


def write(results: dict, out_dir: Path) -> None:
    with atomic_open(out_dir / "pubmed_plan.json") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    with atomic_open(out_dir / "pubmed_plan.md") as handle:
        handle.write(render(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--min-count", type=int, nargs="+", default=[1, 3, 10])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds one graph may take")
    parser.add_argument("--out", type=Path, default=REPO / "reports")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder for the counts (several GB)")
    args = parser.parse_args()
    results = {"command": " ".join(["scripts/pubmed_plan.py", *sys.argv[1:]]),
               "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "sizes": []}
    for n in args.documents:
        counts = args.work / f"counts-{n}"
        shutil.rmtree(counts, ignore_errors=True)
        size = {"load_before": load(), "graphs": []}
        start = time.perf_counter()
        size["counts"] = generated_counts(n, counts, args.workers)
        size["counts"]["seconds"] = round(time.perf_counter() - start, 1)
        results["sizes"].append(size)
        write(results, args.out)
        for min_count in args.min_count:
            size["graphs"].append(timed_graph(counts, min_count, args.timeout))
            write(results, args.out)
        shutil.rmtree(counts)
    results["ended"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    write(results, args.out)


if __name__ == "__main__":
    main()
