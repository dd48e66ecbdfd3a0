"""Annotation speed with and without the NER, in documents per CPU second (per core).

Runs build_nlp(ner=False) and build_nlp(ner=True) over the WhiteText dev abstracts
(../shared/corpora/whitetext/dev.xml; else the demo corpus) a few times in one thread
and prints documents per second of process CPU time, which other processes on the
machine do not inflate. The benchmark proper is `make bench`.

Usage:  OMP_NUM_THREADS=1 .venv/bin/python scripts/ner_speed.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time

from pipeline.annotate import annotate
from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.evaluation import DEFAULT_SHARED
from pipeline.evaluate.whitetext import read_whitetext
from pipeline.read import Record, read_corpus


def documents() -> tuple[str, list[Record]]:
    dev = DEFAULT_SHARED / "whitetext" / "dev.xml"
    if dev.is_file():
        return "WhiteText dev", [d.record for d in read_whitetext(dev)]
    return "corpora/demo", [r for r in read_corpus(["corpora/demo"]) if isinstance(r, Record)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    name, records = documents()
    for ner in (False, True):
        nlp = build_nlp(ner=ner)
        list(annotate(records[:10], nlp))  # warm up
        start = time.process_time()
        for _ in range(args.repeats):
            for _ in annotate(records, nlp):
                pass
        seconds = time.process_time() - start
        print(f"{name}: ner={ner}: {args.repeats * len(records) / seconds:.0f} docs per CPU second "
              f"({args.repeats} x {len(records)} documents, {seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
