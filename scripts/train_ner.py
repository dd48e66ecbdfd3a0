"""Train the neuroconcepts NER (`make train`) and write the trained pipeline to models/ner/.

Data: ../shared/corpora/whitetext/train.xml only (WhiteText dev.xml is for choosing and
reporting, never for training). Every tenth article of train.xml (in file order) is held
out as the dev set spaCy uses to pick the best checkpoint; the other nine tenths train.
BRAIN_REGION spans are WhiteText's gold mentions. With --weak-labels, the knowledge-base
matcher's mentions of the other six labels that do not overlap a gold span are added as
weak labels.

Documents are tokenized by build_nlp()'s tokenizer, so the NER learns on exactly the
tokens and NORMs it will see; a gold mention whose edges fall inside a token is widened
to whole tokens. Training is spaCy's own (spacy.cli.train) with models/ner.cfg and its
fixed seed. The best checkpoint is written to models/ner/ without its tokenizer (the
config names the project's registered tokenizer, rebuilt from code when loaded).

Usage:  .venv/bin/python scripts/train_ner.py [--shared DIR] [--config models/ner.cfg]
                                              [--work build/ner] [--out models/ner] [--weak-labels]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import spacy
from spacy.cli.train import train
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.corpus import GoldDocument
from pipeline.evaluate.evaluation import DEFAULT_SHARED
from pipeline.evaluate.whitetext import read_whitetext

REPO = Path(__file__).resolve().parent.parent
HELD_OUT_EVERY = 10


def training_doc(nlp, document: GoldDocument, weak_labels: bool) -> Doc:
    """The document tokenized as build_nlp() does, with its gold spans (and weak labels) as ents.

    spaCy's NER never crosses a sentence boundary, so a gold span that does (one in
    train.xml, "nucl. ambiguus") is left out.
    """
    doc = nlp(document.record.text)
    weak = [span for span in doc.ents if span.label_ != "BRAIN_REGION"] if weak_labels else []
    gold = [doc.char_span(e.start, e.end, e.label, alignment_mode="expand") for e in document.entities]
    gold = [span for span in gold if not any(token.is_sent_start for token in span[1:])]
    doc.ents = ()
    gold_tokens = {i for span in gold for i in range(span.start, span.end)}
    doc.ents = filter_spans(gold + [s for s in weak if not gold_tokens.intersection(range(s.start, s.end))])
    return doc


def write_corpora(shared: Path, work: Path, weak_labels: bool) -> tuple[Path, Path]:
    """train.spacy and heldout.spacy (every tenth article) from WhiteText train.xml."""
    nlp = build_nlp(ner=False)
    train_bin, heldout_bin = DocBin(), DocBin()
    for n, document in enumerate(read_whitetext(shared / "whitetext" / "train.xml")):
        (heldout_bin if n % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else train_bin).add(training_doc(nlp, document, weak_labels))
    work.mkdir(parents=True, exist_ok=True)
    train_bin.to_disk(work / "train.spacy")
    heldout_bin.to_disk(work / "heldout.spacy")
    return work / "train.spacy", work / "heldout.spacy"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="reference corpora folder (../shared/corpora)")
    parser.add_argument("--config", type=Path, default=REPO / "models" / "ner.cfg")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "ner", help="training corpora and checkpoints")
    parser.add_argument("--out", type=Path, default=REPO / "models" / "ner", help="where the trained pipeline goes")
    parser.add_argument("--weak-labels", action="store_true", help="add the lexicon's other six labels as weak labels")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE", help="config override, e.g. training.max_steps=3000")
    args = parser.parse_args(argv)
    if not (args.shared / "whitetext" / "train.xml").is_file():
        print(f"train_ner: {args.shared / 'whitetext' / 'train.xml'} is absent; it is needed to train", file=sys.stderr)
        return 1
    train_path, heldout_path = write_corpora(args.shared, args.work, args.weak_labels)
    overrides = {"paths.train": str(train_path), "paths.dev": str(heldout_path)}
    for item in args.override:
        key, _, value = item.partition("=")
        overrides[key] = spacy.util.srsly.json_loads(value) if value[:1] in "[{0123456789-" or value in ("true", "false", "null") else value
    train(args.config, args.work / "output", overrides=overrides)
    trained = spacy.load(args.work / "output" / "model-best")
    if args.out.exists():
        shutil.rmtree(args.out)
    trained.to_disk(args.out, exclude=["tokenizer"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
