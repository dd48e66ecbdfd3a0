"""Train the neuroconcepts NER (`make train`) and write the trained pipeline to models/ner/.

One spaCy NER learns three labels: BRAIN_REGION, and CHEMICAL and DISEASE (which the
entity merger types as DRUG or NEUROCHEMICAL, DISORDER or SYMPTOM by linking). Each
corpus annotates only some of them, so what a corpus does not annotate is left
*missing* (no loss either way) rather than *outside* (partial annotation):

- whitetext/train.xml (WhiteText dev.xml is for choosing and reporting, never for
  training): BRAIN_REGION mentions; missing (WhiteText does not annotate them): the
  tokens of the knowledge base's chemical, disease, symptom and receptor matches, and of
  the chemicals and diseases that a first model, trained on BC5CDR alone (stage 1,
  STAGE1_STEPS steps, same config), finds there (tracers such as [3H]leucine); every
  other token is outside;
- bc5cdr/train.tsv (BC5CDR devel is for choosing and reporting): Chemical and Disease
  mentions; the tokens of the knowledge base's brain-region and neural-system matches
  are missing (BC5CDR does not annotate anatomy), every other token is outside. Its
  500 abstracts outside neuroanatomy also teach the brain-region label where not to
  fire (less well than AnatEM train's abstracts taught the brain-region NER before: README);
- ncbi_disease/train.tsv: Disease mentions (DISEASE); missing: the tokens of the
  knowledge base's brain-region, neural-system, drug and neurochemical matches and of
  the chemicals the stage-1 model finds there (NCBI annotates no chemicals); what it
  gains on NCBI disease devel and costs on BC5CDR devel: README, NER and linking;
- a gold mention whose edges fall inside one of our tokens ("kanamycin" in
  "kanamycin-colistin") or across one of our sentence boundaries leaves its tokens
  missing: the NER is not taught a boundary it cannot draw.

BC5CDR's sentences are rebuilt into text and grouped as pipeline/evaluate/iob.py does for
evaluation, so the NER learns on the text, tokens and NORMs it sees at run time. Every
tenth WhiteText article and every tenth group of each IOB corpus is held out as the dev set spaCy
uses to pick the best checkpoint; the others train. Training is spaCy's own
(spacy.cli.train) with models/ner.cfg and its fixed seed, in two stages (stage 1 only
to find the chemicals and diseases of WhiteText and NCBI disease); the best checkpoint of stage 2 is
written to models/ner/ by `package`.

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
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans
from thinc.api import Config

from pipeline.annotate.document import make_doc
from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.corpus import GoldDocument
from pipeline.evaluate.evaluation import DEFAULT_SHARED
from pipeline.evaluate.iob import read_iob_documents
from pipeline.evaluate.whitetext import read_whitetext

REPO = Path(__file__).resolve().parent.parent
HELD_OUT_EVERY = 10
STAGE1_STEPS = 4000  # the chemical and disease model whose predictions are missing in WhiteText
# Recorded in the packaged model's meta.json.
DESCRIPTION = (
    "neuroconcepts NER (BRAIN_REGION, CHEMICAL, DISEASE), trained by scripts/train_ner.py (models/ner.cfg) on "
    "WhiteText train.xml, BC5CDR train.tsv and NCBI disease train.tsv (nine tenths each; one tenth picks the "
    "checkpoint), each label missing where a corpus does not annotate it"
)
# What each corpus annotates: its types -> our NER labels, and the knowledge-base labels
# whose matches it leaves unannotated (their tokens are missing in training).
BC5CDR_LABELS = {"Chemical": "CHEMICAL", "Disease": "DISEASE"}
UNANNOTATED_IN_WHITETEXT = frozenset({"DRUG", "NEUROCHEMICAL", "DISORDER", "SYMPTOM", "RECEPTOR"})
UNANNOTATED_IN_BC5CDR = frozenset({"BRAIN_REGION", "NEURAL_SYSTEM"})
NCBI_DISEASE_LABELS = {"Disease": "DISEASE"}
UNANNOTATED_IN_NCBI_DISEASE = frozenset({"BRAIN_REGION", "NEURAL_SYSTEM", "DRUG", "NEUROCHEMICAL"})
SOURCES = [
    {"name": "WhiteText 1.3, train.xml (the project's train/dev split)", "author": "French, Lane, Xu, Pavlidis (2009)",
     "url": "http://www.chibi.ubc.ca/WhiteText/", "license": "released as freely available; PubMed texts under NLM terms"},
    {"name": "NCBI disease corpus, train split (IOB of MTL-Bioinformatics-2016)", "author": "Dogan, Leaman, Lu (2014)",
     "url": "https://github.com/cambridgeltl/MTL-Bioinformatics-2016", "license": "CC BY 4.0 (as redistributed there)"},
    {"name": "BioCreative V CDR corpus, train split (IOB of MTL-Bioinformatics-2016)",
     "author": "Li, Sun, Johnson, Sciaky, Wei, Leaman, Davis, Mattingly, Wiegers, Lu (2016)",
     "url": "https://github.com/cambridgeltl/MTL-Bioinformatics-2016", "license": "CC BY 4.0 (as redistributed there)"},
]


def training_doc(nlp, document: GoldDocument, labels: dict[str, str], unannotated: frozenset[str], silver: tuple | None = None) -> Doc:
    """The document tokenized and split into sentences as the pipeline does (make_doc), its
    gold mentions as entities (their types renamed by `labels`), and missing: the tokens
    of the knowledge base's matches of `unannotated` labels, of the spans that `silver`
    (a model, and the labels of its predictions this corpus leaves out) predicts, and of gold mentions that our
    tokens or sentences cannot hold (see the module docstring). Of overlapping gold
    mentions the longest is kept."""
    doc = nlp(make_doc(nlp, document.record))
    entities, missing = [], set()
    for gold in document.entities:
        span = doc.char_span(gold.start, gold.end, labels[gold.label])
        if span is None or any(token.is_sent_start for token in span[1:]):
            widened = doc.char_span(gold.start, gold.end, alignment_mode="expand")
            missing.update(range(widened.start, widened.end))
        else:
            entities.append(span)
    entities = [span for span in filter_spans(entities) if not missing.intersection(range(span.start, span.end))]
    covered = {i for span in entities for i in range(span.start, span.end)}
    unknown = [match for match in doc.ents if match.label_ in unannotated]
    if silver is not None:
        model, silver_labels = silver
        unknown += [span for span in model(make_doc(model, document.record)).ents if span.label_ in silver_labels]
    missing |= {i for span in unknown for i in range(span.start, span.end)} - covered
    doc.set_ents(entities, missing=[doc[i:i + 1] for i in sorted(missing)], default="outside")
    return doc


def write_corpora(nlp, sources: list[tuple], work: Path) -> tuple[Path, Path]:
    """train.spacy and heldout.spacy (every tenth document of each source) in work, from
    sources of (documents, labels, unannotated labels, silver model or None)."""
    train_bin, heldout_bin = DocBin(), DocBin()
    for documents, labels, unannotated, silver in sources:
        for n, document in enumerate(documents):
            bin_ = heldout_bin if n % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else train_bin
            bin_.add(training_doc(nlp, document, labels, unannotated, silver))
    work.mkdir(parents=True, exist_ok=True)
    train_bin.to_disk(work / "train.spacy")
    heldout_bin.to_disk(work / "heldout.spacy")
    return work / "train.spacy", work / "heldout.spacy"


def train_stage(config: Path, nlp, sources: list[tuple], work: Path, overrides: dict) -> Path:
    """Write the corpora of one stage, train on them, and return the best checkpoint."""
    train_path, heldout_path = write_corpora(nlp, sources, work)
    train(config, work / "output", overrides={**overrides, "paths.train": str(train_path), "paths.dev": str(heldout_path)})
    return work / "output" / "model-best"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="reference corpora folder (../shared/corpora)")
    parser.add_argument("--config", type=Path, default=REPO / "models" / "ner.cfg")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "ner", help="training corpora and checkpoints")
    parser.add_argument("--out", type=Path, default=REPO / "models" / "ner", help="where the trained pipeline goes")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE", help="config override, e.g. training.max_steps=3000")
    args = parser.parse_args(argv)
    for needed in (args.shared / "whitetext" / "train.xml", args.shared / "bc5cdr" / "train.tsv", args.shared / "ncbi_disease" / "train.tsv"):
        if not needed.exists():
            print(f"train_ner: {needed} is absent; it is needed to train", file=sys.stderr)
            return 1
    overrides = {}
    for item in args.override:
        key, _, value = item.partition("=")
        overrides[key] = spacy.util.srsly.json_loads(value) if value[:1] in "[{0123456789-" or value in ("true", "false", "null") else value
    nlp = build_nlp(ner=False)

    def bc5cdr():
        return read_iob_documents(args.shared / "bc5cdr" / "train.tsv")

    stage1 = train_stage(args.config, nlp, [(bc5cdr(), BC5CDR_LABELS, UNANNOTATED_IN_BC5CDR, None)], args.work / "stage1",
                         {**overrides, "training.max_steps": STAGE1_STEPS})
    model = spacy.load(stage1)
    sources = [
        (read_whitetext(args.shared / "whitetext" / "train.xml"), {"BRAIN_REGION": "BRAIN_REGION"}, UNANNOTATED_IN_WHITETEXT,
         (model, {"CHEMICAL", "DISEASE"})),
        (bc5cdr(), BC5CDR_LABELS, UNANNOTATED_IN_BC5CDR, None),
        (read_iob_documents(args.shared / "ncbi_disease" / "train.tsv"), NCBI_DISEASE_LABELS, UNANNOTATED_IN_NCBI_DISEASE,
         (model, {"CHEMICAL"})),
    ]
    package(train_stage(args.config, nlp, sources, args.work / "stage2", overrides), args.out)
    return 0


def package(checkpoint: Path, out: Path) -> None:
    """Write the checkpoint to out without its tokenizer (rebuilt from the config), its concept
    matcher's state (the knowledge base, read from models/kb when the pipeline is built) and its
    vocabulary (the NER hashes its features, so it needs no strings, and the words of the
    training corpus stay out of the repository). Load it with
    spacy.load(out, exclude=NER_MODEL_EXCLUDE) or through build_nlp()."""
    trained = spacy.load(checkpoint, exclude=["tokenizer"])
    trained.meta.update(name="neuroconcepts_ner", description=DESCRIPTION, sources=SOURCES)
    if out.exists():
        shutil.rmtree(out)
    trained.to_disk(out, exclude=["tokenizer", "vocab", "concept_matcher"])  # its knowledge base and patterns come from models/kb
    config = Config().from_disk(out / "config.cfg", interpolate=False)
    config["paths"].update(train=None, dev=None)  # the training data's paths on this machine
    config.to_disk(out / "config.cfg")


if __name__ == "__main__":
    sys.exit(main())
