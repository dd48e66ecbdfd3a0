"""The concept_context component: is a concept mention negated or hedged in its sentence?

ConText-style rules (Harkema et al. 2009, J Biomed Inform 42:839, after NegEx, Chapman
et al. 2001), written for the language of abstracts rather than clinical notes. Each
trigger phrase has a direction:

- NEGATION_BEFORE ("did not alter", "no change in", "absence of", "without"...) negates
  the mentions after it;
- NEGATION_AFTER ("was unchanged", "were not affected", "was not observed"...) negates
  the mentions before it;
- HEDGES ("may", "might", "suggest", "putative", "possibly"...) hedge the mentions on
  both sides (in "the BNST may mediate...", the modal scopes over its subject);
- PSEUDO_TRIGGERS ("not only", "no longer", "did not only"...) contain a trigger word but
  neither negate nor hedge;
- TERMINATIONS ("but", "however", "whereas", ";"...) end a trigger's scope.

A trigger's scope is the rest of its clause: it runs to the sentence's end (or start)
or to the nearest termination term, whichever comes first. Triggers inside a mention
(a drug named "no-..." ) are ignored. The results are `ent._.negated` and
`ent._.hedged` on every entity of `doc.ents`, so this component runs after everything
that sets entities.

negspacy (NegEx for spaCy) was considered: it flags negation only, not hedging, and its
termsets are clinical; one component of our own does both with the same scope rules.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.annotate.sentences import sentence_of, sentence_starts

NEGATION_BEFORE = (
    "no", "not", "without", "absence of", "absent", "lack of", "lacked", "lacking", "failed to", "fails to",
    "fail to", "did not", "does not", "do not", "didn't", "doesn't", "was not", "were not", "is not", "are not",
    "neither", "nor", "no change in", "no changes in", "no effect on", "no effects on", "no difference in",
    "no differences in", "no increase in", "no decrease in", "no evidence of", "no significant", "not alter",
    "did not alter", "did not affect", "did not change", "had no effect on", "none of", "unable to", "rather than",
)
NEGATION_AFTER = (
    "was unchanged", "were unchanged", "remained unchanged", "was unaffected", "were unaffected", "was unaltered",
    "were unaltered", "was not affected", "were not affected", "was not altered", "were not altered",
    "was not changed", "were not changed", "was not observed", "were not observed", "was not detected",
    "were not detected", "was absent", "were absent", "did not change", "did not differ", "was not found",
    "were not found", "was not required", "were not required", "not observed", "not detected",
)
HEDGES = (
    "may", "might", "could", "possibly", "possible", "perhaps", "putative", "putatively", "presumably",
    "presumed", "likely", "unlikely", "suggest", "suggests", "suggested", "suggesting", "hypothesize",
    "hypothesized", "hypothesised", "hypothesis", "appear to", "appears to", "seem to", "seems to",
    "potential", "potentially", "whether", "speculate", "speculated", "conceivably",
)
PSEUDO_TRIGGERS = (
    "not only", "no longer", "did not only", "not just", "not necessarily", "whether or not", "no doubt",
    "not until",
)
TERMINATIONS = (
    "but", "however", "although", "though", "whereas", "while", "yet", "except", "in contrast", "instead",
    "which", ";", ":",
)
# Overlapping matches are resolved so that a pseudo trigger wins over the triggers inside
# it, then longer phrases over shorter ones ("was not altered" over "was not"), then by
# this order.
CATEGORIES = ("pseudo", "negation_before", "negation_after", "hedge", "termination")

for _name, _default in (("negated", False), ("hedged", False), ("negation_cue", None), ("hedge_cue", None)):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)


class ConceptContext:
    """Sets `ent._.negated` and `ent._.hedged` on the entities of a document (see module doc)."""

    def __init__(
        self, nlp: Language, name: str, negation_before: Iterable[str], negation_after: Iterable[str],
        hedges: Iterable[str], pseudo: Iterable[str], terminations: Iterable[str],
    ) -> None:
        self.name = name
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        phrases = dict(zip(CATEGORIES, (pseudo, negation_before, negation_after, hedges, terminations)))
        for category, terms in phrases.items():
            terms = sorted(set(terms))
            if not terms:
                continue
            self.matcher.add(category, list(nlp.tokenizer.pipe(terms)))
        self.rank = {nlp.vocab.strings[c]: i for i, c in enumerate(CATEGORIES)}
        self.rank_of_pseudo = CATEGORIES.index("pseudo")

    def triggers(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(category, start, end) of the trigger phrases outside entities, overlaps resolved."""
        inside = set()
        for ent in doc.ents:
            inside.update(range(ent.start, ent.end))
        pseudo = self.rank_of_pseudo
        matches = sorted(self.matcher(doc), key=lambda m: (self.rank[m[0]] != pseudo, m[1] - m[2], self.rank[m[0]], m[1]))
        taken: set[int] = set()
        found = []
        for match_id, start, end in matches:
            tokens = set(range(start, end))
            if tokens & taken or tokens & inside:
                continue
            taken |= tokens
            found.append((doc.vocab.strings[match_id], start, end))
        return sorted(found, key=lambda t: t[1])

    def __call__(self, doc: Doc) -> Doc:
        triggers = self.triggers(doc)
        starts = sentence_starts(doc)
        ends = [*starts[1:], len(doc)]
        for ent in doc.ents:
            sentence = sentence_of(starts, ent.start)
            in_sentence = [t for t in triggers if starts[sentence] <= t[1] and t[2] <= ends[sentence]]
            negation = _in_scope(ent, in_sentence, "negation_before", "negation_after")
            hedge = _in_scope(ent, in_sentence, "hedge", "hedge")
            ent._.negated, ent._.negation_cue = negation is not None, negation and _characters(doc, negation)
            ent._.hedged, ent._.hedge_cue = hedge is not None, hedge and _characters(doc, hedge)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


def _characters(doc: Doc, tokens: tuple[int, int]) -> tuple[int, int]:
    start, end = tokens
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


def _in_scope(ent: Span, triggers: list[tuple[str, int, int]], before: str, after: str) -> tuple[int, int] | None:
    """The (start, end) tokens of the nearest `before` trigger that precedes the entity, or
    `after` trigger that follows it, in its clause; None when there is none."""
    preceding = [t for t in triggers if t[2] <= ent.start]
    following = [t for t in triggers if t[1] >= ent.end]
    for category, start, end in reversed(preceding):  # nearest first; a termination closes the clause
        if category == "termination":
            break
        if category == before:
            return start, end
    for category, start, end in following:
        if category == "termination":
            break
        if category == after:
            return start, end
    return None


@Language.factory(
    "concept_context",
    default_config={
        "negation_before": list(NEGATION_BEFORE), "negation_after": list(NEGATION_AFTER), "hedges": list(HEDGES),
        "pseudo": list(PSEUDO_TRIGGERS), "terminations": list(TERMINATIONS),
    },
)
def create_concept_context(
    nlp: Language, name: str, negation_before: list[str], negation_after: list[str], hedges: list[str],
    pseudo: list[str], terminations: list[str],
) -> ConceptContext:
    """The concept_context component (see pipeline.annotate.context)."""
    return ConceptContext(nlp, name, negation_before, negation_after, hedges, pseudo, terminations)
