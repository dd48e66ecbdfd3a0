"""Build the linker's index of the knowledge base (`make linker`, part of `make kb`).

Writes models/linker/ (see pipeline/annotate/linking.py): the character 3-gram TF-IDF
vectorizer, the vectors and the nmslib index of every concept's names, and the
fingerprint of the knowledge base they were built from.

Usage:  .venv/bin/python scripts/build_linker.py [--kb DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.annotate.linking import LINKER_DIR, write_linker_index
from pipeline.kb import DEFAULT_KB_DIR, load_kb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB_DIR, help="knowledge-base folder")
    parser.add_argument("--out", type=Path, default=LINKER_DIR, help="index folder")
    args = parser.parse_args(argv)
    kb = load_kb(args.kb)
    print(f"linker index of {len(kb)} concepts written to {write_linker_index(kb, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
