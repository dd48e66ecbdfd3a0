"""Where the combined output and the NER alone differ on a dev corpus, by the guideline behind it.

Usage: .venv/bin/python scripts/merge_differences.py [--corpus whitetext_dev_long_forms] [--shared ../shared/corpora]

For each gold mention the NER alone finds (strict) and the combined output does not, and
each combined mention that neither the NER nor gold has, the class of the difference:
`coordination` (the gold span coordinates two names, "dorsal and ventral striatum", which the
guidelines make two mentions), `laterality` (the gold span starts with "ipsilateral",
"left"..., which the guidelines leave out), `no gold overlap`, or `other`; then the gold
mentions only the combined output finds. Dev corpora only: test splits are refused.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from pipeline.annotate.concept_matcher import LATERALITY
from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.evaluation import COMBINED, NER, corpora, gold_documents, predictions, scored_spans

REPO = Path(__file__).resolve().parent.parent
COORDINATION = re.compile(r"\s(and|or)\s")


def difference_class(gold_text: str | None) -> str:
    """The guideline a difference comes from, read from the gold span it overlaps (None: none)."""
    if gold_text is None:
        return "no gold overlap"
    if COORDINATION.search(gold_text):
        return "coordination"
    if gold_text.split()[0].lower() in LATERALITY:
        return "laterality"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="whitetext_dev_long_forms")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "corpora")
    args = parser.parse_args()
    if "test" in args.corpus:
        sys.exit(f"merge_differences: {args.corpus}: a test split; compare modes on dev splits only")
    corpus = next((c for c in corpora(args.shared) if c.name == args.corpus), None)
    if corpus is None or not corpus.path.exists():
        sys.exit(f"merge_differences: {args.corpus}: no such corpus, or its files are missing under {args.shared}")
    documents = gold_documents(corpus)
    lost, added, gained = Counter(), Counter(), Counter()
    for document, modes in zip(documents, predictions(build_nlp(ner=True), documents)):
        text = document.record.text
        gold, ner, combined = set(document.entities), *(scored_spans(corpus, document, modes[mode]) for mode in (NER, COMBINED))

        def overlapping(entity):
            return next((text[g.start:g.end] for g in sorted(gold) if g.start < entity.end and entity.start < g.end), None)

        for entity in (gold & ner) - combined:
            lost[difference_class(text[entity.start:entity.end]), text[entity.start:entity.end]] += 1
        for entity in combined - ner - gold:
            added[difference_class(overlapping(entity)), text[entity.start:entity.end]] += 1
        gained.update(text[e.start:e.end] for e in (gold & combined) - ner)
    print(f"# {corpus.description}: combined against the NER alone (strict)\n")
    for title, counts in (("gold mentions the NER finds and the combined output does not", lost),
                          ("combined mentions neither gold nor the NER has", added)):
        by_class = Counter()
        for (kind, _), n in counts.items():
            by_class[kind] += n
        print(f"## {title}: {sum(counts.values())}\n")
        for kind, n in by_class.most_common():
            examples = ", ".join(f"{t} ×{c}" if c > 1 else t for (k, t), c in counts.most_common() if k == kind)
            print(f"- {kind}: {n} ({examples[:400]})")
        print()
    print(f"## gold mentions only the combined output finds: {sum(gained.values())}\n")
    print(", ".join(f"{t} ×{c}" if c > 1 else t for t, c in gained.most_common()))


if __name__ == "__main__":
    main()
