"""Train the neuroconcepts NER (`make train`) and write the trained pipeline to models/ner/.

Data, from ../shared/corpora:
- whitetext/train.xml (WhiteText dev.xml is for choosing and reporting, never for
  training). Every tenth article of train.xml (in file order) is held out as the dev set
  spaCy uses to pick the best checkpoint; the other nine tenths train. The NER learns
  BRAIN_REGION only, from WhiteText's gold mentions: no weak labels for the other six
  labels, which the knowledge-base matcher finds and which the NER sees anyway through
  the lexicon tags it embeds (models/ner.cfg).
- anatem/standoff/train (606 general and cancer biomedical abstracts; AnatEM test is for
  reporting) as negative examples only: every token of an AnatEM anatomy mention is
  *missing* (no loss either way, so AnatEM's conventions, such as annotating "brain",
  are not learnt), every other token is *outside*. WhiteText alone never shows the NER
  text outside neuroanatomy, and it fired on "PS", "CT" or "high-risk" there.

Documents are tokenized by build_nlp()'s tokenizer, so the NER learns on exactly the
tokens and NORMs it will see; a gold mention whose edges fall inside a token is widened
to whole tokens. Training is spaCy's own (spacy.cli.train) with models/ner.cfg and its
fixed seed. The best checkpoint (by F1 on the held-out tenth) is written to models/ner/
by `package`.

Usage:  .venv/bin/python scripts/train_ner.py [--shared DIR] [--config models/ner.cfg]
                                              [--work build/ner] [--out models/ner]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import spacy
from spacy.cli.train import train
from thinc.api import Config
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

from pipeline.annotate import make_doc
from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.anatem import read_anatem
from pipeline.evaluate.corpus import GoldDocument
from pipeline.evaluate.evaluation import DEFAULT_SHARED
from pipeline.evaluate.whitetext import read_whitetext

REPO = Path(__file__).resolve().parent.parent
HELD_OUT_EVERY = 10
# Recorded in the packaged model's meta.json.
DESCRIPTION = (
    "neuroconcepts BRAIN_REGION NER, trained by scripts/train_ner.py (models/ner.cfg) on WhiteText "
    "train.xml (nine tenths; one tenth picks the checkpoint) with AnatEM train as negative examples"
)
SOURCES = [
    {"name": "WhiteText 1.3, train.xml (the project's train/dev split)", "author": "French, Lane, Xu, Pavlidis (2009)",
     "url": "http://www.chibi.ubc.ca/WhiteText/", "license": "released as freely available; PubMed texts under NLM terms"},
    {"name": "AnatEM 1.0.2, train split, as negative examples", "author": "Pyysalo, Ananiadou (2014)",
     "url": "http://nactem.ac.uk/anatomytagger/", "license": "annotations CC BY-SA 3.0"},
]


def training_doc(nlp, document: GoldDocument) -> Doc:
    """The document tokenized and split into sentences as the pipeline does (make_doc:
    the abstract starts a new sentence after the title), with its gold spans as ents.

    spaCy's NER never crosses a sentence boundary, so a gold span that does (one in
    train.xml, "nucl. ambiguus") is left out; of gold spans widened into each other
    the longest is kept.
    """
    doc = nlp(make_doc(nlp, document.record))
    gold = [doc.char_span(e.start, e.end, e.label, alignment_mode="expand") for e in document.entities]
    doc.ents = filter_spans([span for span in gold if not any(token.is_sent_start for token in span[1:])])
    return doc


def negative_doc(nlp, document: GoldDocument) -> Doc:
    """An AnatEM document as negative evidence: the tokens of its anatomy mentions are
    missing, every other token is outside any entity."""
    doc = nlp(make_doc(nlp, document.record))
    mentions = [doc.char_span(e.start, e.end, alignment_mode="expand") for e in document.entities]
    missing = sorted({i for span in mentions for i in range(span.start, span.end)})
    doc.set_ents([], missing=[doc[i:i + 1] for i in missing], default="outside")
    return doc


def write_corpora(shared: Path, work: Path) -> tuple[Path, Path]:
    """train.spacy (WhiteText train.xml but every tenth article, then AnatEM train as
    negatives) and heldout.spacy (every tenth article of train.xml)."""
    nlp = build_nlp(ner=False)
    train_bin, heldout_bin = DocBin(), DocBin()
    for n, document in enumerate(read_whitetext(shared / "whitetext" / "train.xml")):
        (heldout_bin if n % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else train_bin).add(training_doc(nlp, document))
    for document in read_anatem(shared / "anatem", "train", label=lambda anatem_type, text: "ANATOMY"):
        train_bin.add(negative_doc(nlp, document))
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
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE", help="config override, e.g. training.max_steps=3000")
    args = parser.parse_args(argv)
    for needed in (args.shared / "whitetext" / "train.xml", args.shared / "anatem" / "standoff" / "train"):
        if not needed.exists():
            print(f"train_ner: {needed} is absent; it is needed to train", file=sys.stderr)
            return 1
    train_path, heldout_path = write_corpora(args.shared, args.work)
    overrides = {"paths.train": str(train_path), "paths.dev": str(heldout_path)}
    for item in args.override:
        key, _, value = item.partition("=")
        overrides[key] = spacy.util.srsly.json_loads(value) if value[:1] in "[{0123456789-" or value in ("true", "false", "null") else value
    train(args.config, args.work / "output", overrides=overrides)
    package(args.work / "output" / "model-best", args.out)
    return 0


def package(checkpoint: Path, out: Path) -> None:
    """Write the checkpoint to out without its tokenizer (rebuilt from the config) and its
    vocabulary (the NER hashes its features, so it needs no strings, and the words of the
    training corpus stay out of the repository). Load it with
    spacy.load(out, exclude=NER_MODEL_EXCLUDE) or through build_nlp()."""
    trained = spacy.load(checkpoint, exclude=["tokenizer"])
    trained.meta.update(name="neuroconcepts_ner", description=DESCRIPTION, sources=SOURCES)
    if out.exists():
        shutil.rmtree(out)
    trained.to_disk(out, exclude=["tokenizer", "vocab"])
    config = Config().from_disk(out / "config.cfg", interpolate=False)
    config["paths"].update(train=None, dev=None)  # the training data's paths on this machine
    config.to_disk(out / "config.cfg")


if __name__ == "__main__":
    sys.exit(main())
