"""Lexicon-only recall (and precision) of BC5CDR chemicals and diseases.

Reads a BC5CDR IOB file (token<TAB>tag, blank line between sentences), joins each
sentence's tokens with spaces, runs the knowledge-base matcher without the NER, and
compares: a gold Chemical is found by a DRUG, NEUROCHEMICAL or RECEPTOR entity, a gold
Disease by a DISORDER or SYMPTOM entity; strict = same span, lenient = overlap.
Precision counts the entities of those labels against the gold spans of their kind.

Usage: .venv/bin/python scripts/bc5cdr_lexicon.py [../shared/corpora/bc5cdr/devel.tsv] [--kb models/kb]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.annotate.nlp import build_nlp

REPO = Path(__file__).resolve().parent.parent
KINDS = {"Chemical": {"DRUG", "NEUROCHEMICAL", "RECEPTOR"}, "Disease": {"DISORDER", "SYMPTOM"}}


def read_iob(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Sentences as (text, [(start, end, kind)]) with the tokens joined by spaces."""
    sentences, tokens, tags = [], [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            token, tag = line.split("\t")
            tokens.append(token)
            tags.append(tag)
            continue
        if tokens:
            text, spans, current = "", [], None
            for token, tag in zip(tokens, tags):
                start = len(text) + (1 if text else 0)
                text = f"{text} {token}" if text else token
                if tag.startswith("B-") or (tag.startswith("I-") and current is None):
                    current = [start, len(text), tag[2:]]
                    spans.append(current)
                elif tag.startswith("I-"):
                    current[1] = len(text)
                else:
                    current = None
            sentences.append((text, [tuple(s) for s in spans]))
        tokens, tags = [], []
    return sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("iob", type=Path, nargs="?", default=REPO.parent / "shared" / "corpora" / "bc5cdr" / "devel.tsv")
    parser.add_argument("--kb", type=Path, default=None)
    args = parser.parse_args()
    sentences = read_iob(args.iob)
    nlp = build_nlp(args.kb, ner=False)
    found = {kind: [0, 0, 0] for kind in KINDS}          # gold, strict, lenient
    predicted = {kind: [0, 0, 0] for kind in KINDS}      # predicted, strict, lenient
    for doc, (_, gold) in zip(nlp.pipe(text for text, _ in sentences), sentences):
        for kind, labels in KINDS.items():
            spans = [(s, e) for s, e, k in gold if k == kind]
            ents = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in labels]
            found[kind][0] += len(spans)
            found[kind][1] += sum(span in ents for span in spans)
            found[kind][2] += sum(any(a < e and s < b for a, b in ents) for s, e in spans)
            predicted[kind][0] += len(ents)
            predicted[kind][1] += sum(ent in spans for ent in ents)
            predicted[kind][2] += sum(any(a < e and s < b for a, b in spans) for s, e in ents)
    print(f"{args.iob} ({len(sentences)} sentences), lexicon only, knowledge base {args.kb or 'models/kb'}")
    print("| kind | gold | strict R | lenient R | predicted | strict P | lenient P |\n|---|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        (gold, strict, lenient), (pred, p_strict, p_lenient) = found[kind], predicted[kind]
        print(f"| {kind} | {gold} | {strict / gold:.3f} | {lenient / gold:.3f} | {pred} | "
              f"{p_strict / max(pred, 1):.3f} | {p_lenient / max(pred, 1):.3f} |")


if __name__ == "__main__":
    main()
