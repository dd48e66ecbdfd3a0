"""Measure the knowledge base's false positives on AnatEM documents outside neuroscience.

Usage: .venv/bin/python scripts/kb_false_positives.py [--shared ../shared/corpora] [--split test]
Writes reports/kb_false_positives.md and .json (needs ../shared/corpora/anatem).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.false_positives import anatem_false_positives, render_markdown
from pipeline.files.atomic import atomic_open

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--split", default="test", choices=["train", "devel", "test"])
    args = parser.parse_args()
    anatem = args.shared / "anatem"
    if not anatem.is_dir():
        sys.exit(f"kb_false_positives: {anatem}: AnatEM not found (it lives in ../shared/corpora)")
    result = anatem_false_positives(build_nlp(ner=False), anatem, args.split)
    command = f"make kb-fp  (scripts/kb_false_positives.py --split {args.split})"
    with atomic_open(REPO / "reports" / "kb_false_positives.md") as handle:
        handle.write(render_markdown(result, command))
    with atomic_open(REPO / "reports" / "kb_false_positives.json") as handle:
        json.dump(result, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
    print(render_markdown(result, command))


if __name__ == "__main__":
    main()
