"""Build the linker's index of the knowledge base (`make linker`, part of `make kb`).

Writes, by default into the per-user cache folder where the linker reads it
(pipeline.annotate.linking.linker_index_dir), the character 3-gram TF-IDF vectorizer,
the vectors and the nmslib index of every concept's names, and the fingerprint of the
knowledge base they were built from. The linker builds it itself when it is missing;
this only does it ahead of time.

Usage:  .venv/bin/python scripts/build_linker.py [--kb DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.annotate.linking import write_linker_index
from pipeline.kb import DEFAULT_KB_DIR, load_kb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB_DIR, help="knowledge-base folder")
    parser.add_argument("--out", type=Path, help="index folder (default: the cache folder the linker reads)")
    args = parser.parse_args(argv)
    kb = load_kb(args.kb)
    print(f"linker index of {len(kb)} concepts written to {write_linker_index(kb, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
