"""Run the pipeline over the gold corpora in each mode and score it.

Modes:
- ``lexicon``: the concept matcher alone, doc.ents before any merge;
- ``ner``: the trained NER alone (which sees the lexicon's tags as features), doc.ents
  before the merge;
- ``combined``: the whole pipeline, doc.ents (NER and lexicon merged by the pipeline's
  merge policy); ``combined:<policy>``: merged by each other policy.

Corpora: WhiteText dev and AnatEM test from ../shared/corpora (skipped, with the
reason, when absent) and the project's gold corpus, corpora/gold/dev and
corpora/gold/test. Its mentions carry negation and hedging flags, which are scored too
(negation.py).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from spacy.language import Language

from pipeline.annotate.abbreviations import is_short_form
from pipeline.annotate.document import make_doc
from pipeline.annotate.linking import THRESHOLD
from pipeline.annotate.ner import DEFAULT_POLICY, LEXICON_SPANS_KEY, MERGE_POLICIES, EntityMerger, ner_model_available
from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.anatem import read_anatem
from pipeline.evaluate.corpus import GoldDocument, GoldEntity
from pipeline.evaluate.gold import GOLD_DEV, GOLD_TEST, read_gold
from pipeline.evaluate.iob import IobDocument, label_types, read_iob_documents
from pipeline.evaluate.linking import linking_accuracy
from pipeline.evaluate.negation import evaluate_context
from pipeline.evaluate.scoring import Scores, score
from pipeline.evaluate.whitetext import read_whitetext
from pipeline.kb import LABELS

DEFAULT_SHARED = Path(os.environ.get("NEUROCONCEPTS_SHARED", Path(__file__).resolve().parents[3] / "shared" / "corpora"))
LEXICON, NER, COMBINED = "lexicon", "ner", "combined"
TOP_ERRORS = 15


@dataclass(frozen=True)
class Corpus:
    """A gold corpus: where it lives, how to read it and which labels it annotates."""

    name: str
    description: str
    labels: tuple[str, ...]
    path: Path
    read: Callable[[Path], Iterable[GoldDocument]]
    leave_out: Callable[[str], bool] | None = None  # spans (gold and predicted) whose text is not scored
    # predicted spans as the corpus scores them (an IOB corpus: its types, its tokens); None: as they are
    map_prediction: Callable[[GoldDocument, GoldEntity], GoldEntity | None] | None = None


def iob_corpus(name: str, description: str, path: Path, types: tuple[str, ...]) -> Corpus:
    """A token-level IOB corpus (pipeline/evaluate/iob.py), scored on its own types."""
    mapping = label_types(types)

    def on_file_tokens(document: IobDocument, entity: GoldEntity) -> GoldEntity | None:
        return document.file_span(entity.start, entity.end, mapping[entity.label]) if entity.label in mapping else None

    return Corpus(name, description, types, path, read_iob_documents, map_prediction=on_file_tokens)


def corpora(shared: Path = DEFAULT_SHARED, gold_dev: Path = GOLD_DEV, gold_test: Path = GOLD_TEST) -> list[Corpus]:
    """The evaluation corpora, in report order."""
    return [
        Corpus("whitetext_dev", "WhiteText dev (144 J Comp Neurol abstracts, brain-region mentions)", ("BRAIN_REGION",),
               shared / "whitetext" / "dev.xml", read_whitetext),
        Corpus("whitetext_dev_long_forms",
               "WhiteText dev, short forms (PAG, NTS, dLGN...) left out of gold and predictions: WhiteText "
               "annotates 22 of the 4,775 parenthesised short forms of train.xml, the project annotates all",
               ("BRAIN_REGION",), shared / "whitetext" / "dev.xml", read_whitetext, is_short_form),
        Corpus("anatem_test", "AnatEM test (404 documents), nervous-system mentions mapped to our labels (see pipeline/evaluate/anatem.py)",
               ("BRAIN_REGION", "NEURAL_SYSTEM"), shared / "anatem", read_anatem),
        iob_corpus("bc5cdr_devel", "BC5CDR devel (500 abstracts, 4,581 IOB sentences read ten to a document; Chemical <- DRUG, NEUROCHEMICAL; Disease <- DISORDER, SYMPTOM)",
                   shared / "bc5cdr" / "devel.tsv", ("Chemical", "Disease")),
        iob_corpus("ncbi_disease_devel", "NCBI disease devel (923 IOB sentences read ten to a document; Disease <- DISORDER, SYMPTOM)",
                   shared / "ncbi_disease" / "devel.tsv", ("Disease",)),
        Corpus("gold_dev", "gold dev (corpora/gold/dev: all seven labels, negation and hedging flags)", LABELS, gold_dev, read_gold),
        Corpus("gold_test", "gold test (corpora/gold/test: all seven labels, negation and hedging flags)", LABELS, gold_test, read_gold),
    ]


def _entities(spans) -> set[GoldEntity]:
    return {GoldEntity(span.start_char, span.end_char, span.label_) for span in spans}


def predictions(nlp: Language, documents: list[GoldDocument]) -> Iterator[dict[str, set[GoldEntity]]]:
    """For each document, the spans each mode predicts: {mode: {(start, end, label)}}.

    With the NER, one run gives every mode: the entity merger is held back, the lexicon's
    entities (doc.spans["lexicon"]) and the NER's (doc.ents) are read from the Doc, and
    each merge policy is applied to the Doc in turn ("combined" is the pipeline's own policy,
    "combined:<policy>" the others).
    """
    docs = (make_doc(nlp, document.record) for document in documents)
    if "entity_merger" not in nlp.pipe_names:
        for doc in nlp.pipe(docs, batch_size=64):
            yield {LEXICON: _entities(doc.ents)}
        return
    merger = nlp.get_pipe("entity_merger")
    mergers = {COMBINED: merger} | {
        f"{COMBINED}:{policy}": EntityMerger(policy, link=merger.link, ner_labels=merger.ner_labels, concept_types=merger.concept_types) for policy in MERGE_POLICIES if policy != merger.policy
    }
    with nlp.select_pipes(disable=["entity_merger"]):
        for doc in nlp.pipe(docs, batch_size=64):
            ner = list(doc.ents)
            modes = {LEXICON: _entities(doc.spans[LEXICON_SPANS_KEY]), NER: _entities(ner)}
            for mode, merge in mergers.items():
                doc.ents = ner
                modes[mode] = _entities(merge(doc).ents)
            yield modes


def top_errors(pairs: list[tuple[GoldDocument, set[GoldEntity]]]) -> dict[str, list[list]]:
    """The most frequent missed gold strings and spurious predictions (strict), with counts."""
    missed: Counter = Counter()
    spurious: Counter = Counter()
    for document, predicted in pairs:
        text, gold = document.record.text, set(document.entities)
        missed.update(f"{text[e.start:e.end]} ({e.label})" for e in gold - predicted)
        spurious.update(f"{text[e.start:e.end]} ({e.label})" for e in predicted - gold)

    def order(counts):
        return [[item, n] for item, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_ERRORS]]

    return {"missed": order(missed), "spurious": order(spurious)}


def gold_documents(corpus: Corpus) -> list[GoldDocument]:
    """The corpus's documents, without the gold spans it leaves out (Corpus.leave_out)."""
    documents = list(corpus.read(corpus.path))
    if corpus.leave_out is None:
        return documents
    return [replace(d, entities=tuple(e for e in d.entities if not corpus.leave_out(d.record.text[e.start:e.end]))) for d in documents]


def scored_spans(corpus: Corpus, document: GoldDocument, spans: set[GoldEntity]) -> set[GoldEntity]:
    """Predicted spans as the corpus scores them: mapped to its types and tokens, of its labels, not left out."""
    if corpus.map_prediction is not None:
        spans = {mapped for mapped in (corpus.map_prediction(document, e) for e in spans) if mapped is not None}
    text = document.record.text
    return {e for e in spans if e.label in corpus.labels and not (corpus.leave_out and corpus.leave_out(text[e.start:e.end]))}


def evaluate_corpus(corpus: Corpus, nlp: Language) -> dict:
    """Scores of each mode on one corpus, with the commonest strict errors of each."""
    documents = gold_documents(corpus)
    by_mode: dict[str, list[tuple[GoldDocument, set[GoldEntity]]]] = {}
    for document, modes in zip(documents, predictions(nlp, documents)):
        for mode, spans in modes.items():
            by_mode.setdefault(mode, []).append((document, scored_spans(corpus, document, spans)))
    result = {
        "description": corpus.description, "documents": len(documents),
        "gold_mentions": sum(len(d.entities) for d in documents),
        "modes": {
            mode: {label: {**vars(s), **s.metrics()} for label, s in score(((d.entities, p) for d, p in pairs), corpus.labels).items()}
            for mode, pairs in by_mode.items()
        },
        "errors": {mode: top_errors(pairs) for mode, pairs in by_mode.items()},
    }
    if any(d.context for d in documents):
        result["context"] = evaluate_context(nlp, documents)
    return result


def evaluate_iob(nlp: Language, path: str | Path) -> dict:
    """Strict precision, recall and F1 of the pipeline's entities on an IOB file, on the
    file's own types and over all of them (micro average): the object `neuroconcepts eval
    --iob FILE --json` prints. See pipeline/evaluate/iob.py for how the text is rebuilt,
    which labels count as which type, and how predictions are mapped onto the file's tokens."""
    documents = list(read_iob_documents(path))
    types = tuple(sorted({entity.label for document in documents for entity in document.entities}))
    corpus = iob_corpus(Path(path).name, str(path), Path(path), types)
    docs = nlp.pipe((make_doc(nlp, document.record) for document in documents), batch_size=64)
    pairs = []
    for document, doc in zip(documents, docs):
        mapped = (corpus.map_prediction(document, entity) for entity in _entities(doc.ents))
        pairs.append((document.entities, {entity for entity in mapped if entity is not None}))
    table = score(pairs, types)
    overall = Scores()
    for file_type in types:
        overall.add(table[file_type])

    def strict(scores: Scores) -> dict:
        metrics = scores.metrics()
        return {"strict": {"p": round(metrics["strict_p"], 4), "r": round(metrics["strict_r"], 4), "f1": round(metrics["strict_f1"], 4)}}

    return {"sentences": sum(document.sentences for document in documents),
            "types": {file_type: strict(table[file_type]) for file_type in types}, "all": strict(overall)}


def evaluate(nlp: Language, shared: Path = DEFAULT_SHARED) -> dict:
    """Evaluate the pipeline in every mode it allows on every corpus present.

    A corpus that is absent is listed with the reason it was skipped.
    """
    results: dict = {"corpora": {}}
    for corpus in corpora(Path(shared)):
        if not corpus.path.exists():
            results["corpora"][corpus.name] = {"description": corpus.description, "skipped": f"{corpus.path} is absent"}
            continue
        results["corpora"][corpus.name] = evaluate_corpus(corpus, nlp)
    return results


def evaluate_pipelines(shared: Path = DEFAULT_SHARED, kb_dir=None, kb_extra=(), ner: bool | None = None, merge_policy: str = DEFAULT_POLICY) -> dict:
    """Build the pipeline (with the NER when present, or as `ner` says), evaluate it on the
    corpora, and the linker on held-out synonyms."""
    nlp = build_nlp(kb_dir, kb_extra, ner, merge_policy)
    results = evaluate(nlp, shared)
    results["pipeline"] = pipeline_description(nlp)
    results["linking"] = linking_accuracy(nlp.get_pipe("concept_matcher").kb, THRESHOLD)
    return results


def pipeline_description(nlp: Language) -> dict:
    """What was evaluated: components, knowledge-base size, NER model and merge policy."""
    description = {"components": ", ".join(nlp.pipe_names), "knowledge base": f"{len(nlp.get_pipe('concept_matcher').kb)} concepts"}
    if "entity_merger" in nlp.pipe_names:
        labels = ", ".join(nlp.get_pipe("ner").labels)
        description["NER"] = f"models/ner ({labels})"
        description["merge policy"] = nlp.get_pipe("entity_merger").policy
    else:
        description["NER"] = "absent (run `make train`)" if not ner_model_available() else "off (--no-ner)"
    return description
