"""Negation and hedging scored per mention against the gold corpus's flags.

The gold corpus (version 2 of corpora/gold/GUIDELINES.md, "Negation and hedging") gives
every mention `negated` and `hedged`, and the cue of each true flag. Two settings:

- **gold mentions**: each document is tokenized and split into sentences by the
  pipeline, its entities are set to the gold spans, and the context component alone
  flags them: the context rules measured apart from entity recognition;
- **end to end**: the whole pipeline runs, and each of its mentions that equals a gold
  mention (start, end and label: strict) is scored with the flags the pipeline gave it.

For each flag: precision, recall and F1 of the flag being true, over the mentions
scored; and cue accuracy, the share of the mentions that both gold and the rules flag
whose predicted cue overlaps the gold cue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.annotate.document import make_doc
from pipeline.evaluate.corpus import FLAG_CUES, Cue, GoldDocument, GoldEntity, MentionContext
from pipeline.evaluate.scoring import f1, ratio

SENTENCIZER, CONTEXT = "pysbd_rule_sentencizer", "concept_context"
GOLD_MENTIONS, END_TO_END = "gold_mentions", "end_to_end"


@dataclass
class FlagScores:
    """Counts for one flag over the mentions scored; precision, recall, F1 and cue accuracy derive from them."""

    mentions: int = 0
    gold: int = 0          # mentions gold flags true
    predicted: int = 0     # mentions the rules flag true
    correct: int = 0       # true in both
    cue_correct: int = 0   # of those, the predicted cue overlaps the gold cue

    def metrics(self) -> dict[str, float]:
        """precision, recall, f1, cue_accuracy."""
        p, r = ratio(self.correct, self.predicted), ratio(self.correct, self.gold)
        return {"precision": p, "recall": r, "f1": f1(p, r), "cue_accuracy": ratio(self.cue_correct, self.correct)}


def predicted_context(ent: Span) -> MentionContext:
    """The flags and cues the context component set on an entity."""
    text = ent.doc.text
    cues = [Cue(*cue, text[cue[0]:cue[1]]) if cue else None for cue in (ent._.negation_cue, ent._.hedge_cue)]
    return MentionContext(ent._.negated, ent._.hedged, *cues)


def flag_gold_mentions(nlp: Language, documents: Iterable[GoldDocument], context: Callable[[Doc], Doc] | None = None) -> Iterator[tuple[Doc, dict[GoldEntity, MentionContext]]]:
    """For each document, its Doc (sentences, gold spans as entities) and the flags that
    `context` (default: the pipeline's concept_context) gives each gold mention. A gold
    span that does not fall on token boundaries is widened to them; one that then
    overlaps an earlier span is left unflagged."""
    sentencizer = nlp.get_pipe(SENTENCIZER)
    context = context or nlp.get_pipe(CONTEXT)
    for document in documents:
        doc = sentencizer(make_doc(nlp, document.record))
        spans, placed, last_end = [], [], 0
        for entity in document.entities:
            span = doc.char_span(entity.start, entity.end, entity.label, alignment_mode="expand")
            if span is not None and span.start >= last_end:
                spans.append(span)
                placed.append(entity)
                last_end = span.end
        doc.ents = spans
        doc = context(doc)
        yield doc, {entity: predicted_context(ent) for entity, ent in zip(placed, doc.ents)}


def flag_pipeline_mentions(nlp: Language, documents: Iterable[GoldDocument], context: Callable[[Doc], Doc] | None = None) -> Iterator[tuple[Doc, dict[GoldEntity, MentionContext]]]:
    """For each document, the Doc the whole pipeline makes of it and the flags of its mentions,
    by span; with `context`, that flags the mentions in place of the pipeline's concept_context."""
    docs = (make_doc(nlp, document.record) for document in documents)
    if context is None:
        docs = nlp.pipe(docs, batch_size=64)
    else:
        with nlp.select_pipes(disable=[CONTEXT, *nlp.pipe_names[nlp.pipe_names.index(CONTEXT) + 1:]]):
            docs = [context(doc) for doc in nlp.pipe(docs, batch_size=64)]
    for doc in docs:
        yield doc, {GoldEntity(ent.start_char, ent.end_char, ent.label_): predicted_context(ent) for ent in doc.ents}


def _overlap(a: Cue | None, b: Cue | None) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


def score_context(pairs: Iterable[tuple[GoldDocument, dict[GoldEntity, MentionContext]]]) -> dict[str, FlagScores]:
    """Scores of each flag over the gold mentions that carry flags and have a prediction."""
    scores = {flag: FlagScores() for flag in FLAG_CUES}
    for document, predicted in pairs:
        for entity in document.entities:
            gold = document.context.get(entity)
            if gold is None or entity not in predicted:
                continue
            for flag, counts in scores.items():
                truth, guess = getattr(gold, flag), getattr(predicted[entity], flag)
                counts.mentions += 1
                counts.gold += truth
                counts.predicted += guess
                if truth and guess:
                    counts.correct += 1
                    counts.cue_correct += _overlap(getattr(gold, FLAG_CUES[flag]), getattr(predicted[entity], FLAG_CUES[flag]))
    return scores


def context_errors(document: GoldDocument, doc: Doc, predicted: dict[GoldEntity, MentionContext]) -> list[dict]:
    """The gold mentions of a document whose predicted flags differ from gold, with their sentence and cues."""
    errors = []
    for entity in document.entities:
        gold, guess = document.context.get(entity), predicted.get(entity)
        if gold is None or guess is None:
            continue
        for flag in FLAG_CUES:
            if getattr(gold, flag) == getattr(guess, flag):
                continue
            cue = getattr(gold if getattr(gold, flag) else guess, FLAG_CUES[flag])
            span = doc.char_span(entity.start, entity.end, alignment_mode="expand")
            errors.append({
                "doc_id": document.record.doc_id, "mention": document.record.text[entity.start:entity.end], "flag": flag,
                "kind": "missed" if getattr(gold, flag) else "spurious", "cue": cue.text if cue else "",
                "sentence": span.sent.text if span is not None else "",
            })
    return errors


def _report(scores: dict[str, FlagScores]) -> dict:
    return {flag: {**vars(s), **s.metrics()} for flag, s in scores.items()}


def evaluate_context(nlp: Language, documents: list[GoldDocument], context: Callable[[Doc], Doc] | None = None) -> dict:
    """Negation and hedging scores on the gold mentions and end to end, with the errors on
    the gold mentions; by the pipeline's concept_context, or by `context` in its place."""
    flagged = [d for d in documents if d.context]
    on_gold = list(flag_gold_mentions(nlp, flagged, context))
    end_to_end = list(flag_pipeline_mentions(nlp, flagged, context))
    return {
        "documents": len(flagged),
        GOLD_MENTIONS: _report(score_context((d, p) for d, (_, p) in zip(flagged, on_gold))),
        END_TO_END: _report(score_context((d, p) for d, (_, p) in zip(flagged, end_to_end))),
        "errors": [e for d, (doc, p) in zip(flagged, on_gold) for e in context_errors(d, doc, p)],
    }
