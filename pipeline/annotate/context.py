"""The concept_context component: is a concept mention negated or hedged in its sentence?

ConText-style rules (Harkema et al. 2009, J Biomed Inform 42:839, after NegEx, Chapman
et al. 2001), written for the language of abstracts and for the conventions of the gold
corpus (corpora/gold/GUIDELINES.md, "Negation and hedging"). Every trigger list is part
of the component's config; each trigger has a direction:

- `negation_forward` ("did not", "no", "without", "failed to"...) negates the mentions
  after it, to the end of its clause; the agent before it is not negated ("clonidine did
  not reduce jumping": jumping only). A forward cue with no mention after it in its clause
  negates the mentions before it instead: its predicate has no object, so its subject is
  what is denied ("fluoxetine had no effect", "stimulation of the mPFC did not");
- `negation_backward` ("unchanged", "unaffected", "absent"...) negates the mentions
  before it, back to the start of its clause ("X and Y were unchanged");
- `negation_both` ("was not", "did not differ", "did not correlate"...): passives, whose
  subject is what is denied, and symmetric predicates, which deny both sides;
- `negation_constituent` ("but not", "rather than", "except"...) negates the phrase after
  it, up to the next comma ("in the BLA but not in the CeA", "chronic, but not acute,
  fluoxetine reversed X": only what stands between "not" and the comma);
- `hedges` ("may", "might", "likely", "putative"...) hedge the mentions on both sides in
  their clause ("the BNST may mediate anxiety": both); `hedges_forward` ("suggest",
  "whether", "consistent with"...) only the statement after them, not their subject
  ("these results in the BLA suggest that X...": X only);
- `pseudo` ("not only", "no sooner than", "whether or not"...) contain a trigger but are
  not one;
- `terminations` ("but", "however", "whereas", "which", ";"...) end every scope; the
  sentence's start and end do too. Commas do not ("X, Y and Z were unchanged").

Scope rules that hold for every trigger:

- a trigger written in capitals is an acronym, not a cue ("non-opiate treatment (NOT)",
  "NO synthase");
- a cue does not reach back across a `clause_openers` word ("the phenomenon of craving
  that may contribute to X": the relative clause is hedged, its antecedent is not), nor
  across "and"/"or" just before it (in "X is observed in MDD and may result from stress",
  the subject is shared with an affirmed predicate);
- a negation does not reach a mention in a phrase opened by one of `circumstances`
  (after, during, by...) between the cue and the mention, or before the mention when the
  cue follows it: "mice did not reinstate after stress" (stress occurred), "X was
  unaffected by norBNI" (the agent), "responses to stress after naloxone were unchanged".
- triggers inside a mention are ignored.

The results are `ent._.negated` and `ent._.hedged` on every entity of `doc.ents`, with
the cue that set each (`ent._.negation_cue`, `ent._.hedge_cue`: character offsets start,
end, or None), so this component runs after everything that sets entities.

negspacy (NegEx for spaCy) was considered: it flags negation only, not hedging, and its
termsets are clinical. medspaCy's ConText was measured on the gold corpus (README,
Graph analytics, Context).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Iterator

from spacy.attrs import IS_UPPER, LENGTH, LOWER
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.annotate.sentences import sentence_of, sentence_starts

NEGATION_FORWARD = (
    "no", "not", "without", "absence of", "lack of", "failed to", "fails to", "fail to", "did not", "does not",
    "do not", "didn't", "doesn't", "don't", "could not", "can not", "cannot", "neither", "nor", "none of",
    "unable to", "no longer", "never",
)
NEGATION_BACKWARD = ("unchanged", "unaffected", "unaltered", "absent", "undetectable")
NEGATION_BOTH = (
    "was not", "were not", "is not", "are not", "was no longer", "were no longer", "did not differ", "do not differ",
    "does not differ", "did not correlate", "do not correlate", "does not correlate", "did not interact",
)
NEGATION_CONSTITUENT = ("but not", "and not", ", not", "rather than", "except", "instead of")
HEDGES = (
    "may", "might", "could", "possibly", "possible", "perhaps", "putative", "putatively", "presumably", "presumed",
    "likely", "unlikely", "potential", "potentially", "appear to", "appears to", "appeared to", "seem to",
    "seems to", "seemed to", "thought to", "believed to", "conceivably",
)
HEDGES_FORWARD = (
    "suggest", "suggests", "suggested", "suggesting", "propose", "proposes", "proposed", "hypothesize",
    "hypothesized", "hypothesised", "hypothesis", "whether", "speculate", "speculated", "consistent with",
    "support", "supports",
)
PSEUDO_TRIGGERS = (
    "not only", "did not only", "not just", "not necessarily", "whether or not", "no doubt", "not until",
    "no sooner than", "no less than", "not unlike", "no more than",
)
TERMINATIONS = (
    "but", "however", "although", "though", "whereas", "while", "yet", "in contrast", "instead", ", which", ";", ":",
)
CLAUSE_OPENERS = ("that", "which", "who")
CIRCUMSTANCES = ("after", "before", "during", "following", "upon", "by")
EMPTY_OBJECTS = ("effect", "effects", "change", "changes", "difference", "differences", "significant")
COORDINATORS = ("and", "or")

# Overlapping matches are resolved so that a pseudo trigger wins over the triggers inside
# it, then longer phrases over shorter ones ("was not" over "not"), then by this order.
CATEGORIES = (
    "pseudo", "negation_forward", "negation_backward", "negation_both", "negation_constituent", "hedge",
    "hedge_forward", "termination",
)
# What each category does: reach forward (to the mentions after it), backward.
NEGATION_DIRECTIONS = {"negation_forward": (True, False), "negation_backward": (False, True), "negation_both": (True, True)}
HEDGE_DIRECTIONS = {"hedge": (True, True), "hedge_forward": (True, False)}

for _name, _default in (("negated", False), ("hedged", False), ("negation_cue", None), ("hedge_cue", None)):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)


class EmptyTrigger(ValueError):
    """A trigger phrase of the concept_context config is empty or only whitespace."""


class ConceptContext:
    """Sets `ent._.negated`, `ent._.hedged` and their cues on the entities of a document (see module doc)."""

    def __init__(
        self, nlp: Language, name: str, negation_forward: Iterable[str], negation_backward: Iterable[str],
        negation_both: Iterable[str], negation_constituent: Iterable[str], hedges: Iterable[str],
        hedges_forward: Iterable[str], pseudo: Iterable[str], terminations: Iterable[str],
        clause_openers: Iterable[str], circumstances: Iterable[str], empty_objects: Iterable[str],
    ) -> None:
        self.name = name
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        lists = (pseudo, negation_forward, negation_backward, negation_both, negation_constituent, hedges, hedges_forward, terminations)
        for category, terms in zip(CATEGORIES, lists):
            terms = sorted(set(terms))
            if any(not term.strip() for term in terms):
                raise EmptyTrigger(f"{name}: an empty trigger in its {category} list")
            if terms:
                self.matcher.add(category, list(nlp.tokenizer.pipe(terms)))
        self.category = {nlp.vocab.strings.add(c): c for c in CATEGORIES}
        self.rank = {c: i for i, c in enumerate(CATEGORIES)}
        self.strings = nlp.vocab.strings
        words = lambda terms: frozenset(self.strings.add(w.lower()) for w in terms)  # noqa: E731  (as LOWER hashes)
        self.clause_openers, self.circumstances, self.empty_objects = words(clause_openers), words(circumstances), words(empty_objects)
        self.comma, self.coordinators = self.strings.add(","), words(COORDINATORS)

    def triggers(self, doc: Doc, ents: tuple[Span, ...] | None = None) -> list[tuple[str, int, int]]:
        """(category, start, end) of the trigger phrases outside entities (`ents`, default
        doc.ents), overlaps resolved, acronyms (a trigger written in capitals) left out, in text order."""
        matches = [(self.category[m], start, end) for m, start, end in self.matcher(doc)]
        if not matches:
            return []
        inside = set()
        for ent in doc.ents if ents is None else ents:
            inside.update(range(ent.start, ent.end))
        matches.sort(key=lambda m: (m[0] != "pseudo", m[1] - m[2], self.rank[m[0]], m[1]))
        capitals = (doc.to_array(IS_UPPER) & (doc.to_array(LENGTH) > 1)).tolist()  # tokens written in capitals
        taken: set[int] = set()
        found = []
        for category, start, end in matches:
            tokens = set(range(start, end))
            if tokens & taken or tokens & inside or any(capitals[start:end]):
                continue
            taken |= tokens
            if category != "pseudo":
                found.append((category, start, end))
        return sorted(found, key=lambda t: t[1])

    def __call__(self, doc: Doc) -> Doc:
        """Flag the entities of a new Doc (an entity that is neither negated nor hedged keeps
        the defaults, False and None)."""
        ents = doc.ents
        triggers = self.triggers(doc, ents) if ents else []
        if not triggers:
            return doc
        starts = sentence_starts(doc)
        ends = [*starts[1:], len(doc)]
        by_sentence: dict[int, list[Span]] = {}
        for ent in ents:
            by_sentence.setdefault(sentence_of(starts, ent.start), []).append(ent)
        ent_starts = [ent.start for ent in ents]
        lowers = doc.to_array(LOWER).tolist()
        for sentence, sentence_ents in by_sentence.items():
            start, end = starts[sentence], ends[sentence]
            in_sentence = [t for t in triggers if start <= t[1] and t[2] <= end]
            if not in_sentence:
                continue
            scope = _Scope(self, in_sentence, start, end, ent_starts, lowers)
            for ent in sentence_ents:
                negation, hedge = scope.negation(ent), scope.hedge(ent)
                if negation or hedge:
                    extensions = ent._
                    if negation:
                        extensions.negated, extensions.negation_cue = True, _characters(doc, negation)
                    if hedge:
                        extensions.hedged, extensions.hedge_cue = True, _characters(doc, hedge)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


def _characters(doc: Doc, tokens: tuple[int, int]) -> tuple[int, int]:
    start, end = tokens
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


class _Scope:
    """The scope rules of the module doc, over the triggers of one sentence."""

    def __init__(self, context: ConceptContext, triggers: list[tuple[str, int, int]], start: int, end: int, ent_starts: list[int], lowers: list[int]):
        self.context, self.triggers, self.start, self.end = context, triggers, start, end
        self.ent_starts, self.lowers = ent_starts, lowers  # the doc's entity starts, and its tokens' LOWER hashes

    def _preceding(self, ent: Span) -> Iterator[tuple[str, int, int]]:
        """Triggers before the entity, nearest first, up to the nearest termination."""
        for trigger in reversed([t for t in self.triggers if t[2] <= ent.start]):
            if trigger[0] == "termination":
                return
            yield trigger

    def _following(self, ent: Span) -> Iterator[tuple[str, int, int]]:
        """Triggers after the entity, nearest first, up to the nearest termination."""
        for trigger in (t for t in self.triggers if t[1] >= ent.end):
            if trigger[0] == "termination":
                return
            yield trigger

    def _clause_end(self, position: int) -> int:
        return next((t[1] for t in self.triggers if t[0] == "termination" and t[1] >= position), self.end)

    def _objectless(self, cue_end: int) -> bool:
        """Whether the predicate of a forward cue has no object: no mention after the cue in
        its clause, and at most one word (its verb) before the clause ends, a comma or a
        circumstance word; adverbs in -ly and empty objects ("no effect") do not count."""
        clause_end = self._clause_end(cue_end)
        i = bisect_left(self.ent_starts, cue_end)
        if i < len(self.ent_starts) and self.ent_starts[i] < clause_end:
            return False
        context, words = self.context, 0
        for word in self.lowers[cue_end:clause_end]:
            if word == context.comma or word in context.circumstances:
                break
            if word not in context.empty_objects:
                text = context.strings[word]
                words += text.isalpha() and not text.endswith("ly")
        return words <= 1

    def _reaches_back(self, cue_start: int, ent: Span) -> bool:
        """Whether a cue after the entity reaches back to it: not across a clause opener, a
        comma before "and", or an "and"/"or" just before the cue."""
        context, lowers = self.context, self.lowers
        if cue_start > self.start and lowers[cue_start - 1] in context.coordinators:
            return False
        for i in range(ent.end, cue_start):
            if lowers[i] in context.clause_openers or (lowers[i] in context.coordinators and lowers[i - 1] == context.comma):
                return False
        return True

    def _after_circumstance(self, ent: Span, cue_end: int) -> bool:
        """Whether a circumstance word between a cue and the entity opens the entity's phrase (no comma between)."""
        for word in reversed(self.lowers[cue_end:ent.start]):
            if word == self.context.comma:
                return False
            if word in self.context.circumstances:
                return True
        return False

    def negation(self, ent: Span) -> tuple[int, int] | None:
        """The (start, end) tokens of the cue that negates the entity, or None."""
        for category, start, end in self._preceding(ent):
            if category == "negation_constituent":
                if self.context.comma not in self.lowers[end:ent.start]:
                    return start, end
            elif NEGATION_DIRECTIONS.get(category, (False,))[0] and not self._after_circumstance(ent, end):
                return start, end
        for category, start, end in self._following(ent):
            forward, backward = NEGATION_DIRECTIONS.get(category, (False, False))
            if (backward or (forward and self._objectless(end))) and self._reaches_back(start, ent):
                return start, end
        return None

    def hedge(self, ent: Span) -> tuple[int, int] | None:
        """The (start, end) tokens of the cue that hedges the entity, or None."""
        for category, start, end in self._preceding(ent):
            if category in HEDGE_DIRECTIONS:
                return start, end
        for category, start, end in self._following(ent):
            if HEDGE_DIRECTIONS.get(category, (False, False))[1] and self._reaches_back(start, ent):
                return start, end
        return None


@Language.factory(
    "concept_context",
    default_config={
        "negation_forward": list(NEGATION_FORWARD), "negation_backward": list(NEGATION_BACKWARD),
        "negation_both": list(NEGATION_BOTH), "negation_constituent": list(NEGATION_CONSTITUENT),
        "hedges": list(HEDGES), "hedges_forward": list(HEDGES_FORWARD), "pseudo": list(PSEUDO_TRIGGERS),
        "terminations": list(TERMINATIONS), "clause_openers": list(CLAUSE_OPENERS), "circumstances": list(CIRCUMSTANCES),
        "empty_objects": list(EMPTY_OBJECTS),
    },
)
def create_concept_context(
    nlp: Language, name: str, negation_forward: list[str], negation_backward: list[str], negation_both: list[str],
    negation_constituent: list[str], hedges: list[str], hedges_forward: list[str], pseudo: list[str],
    terminations: list[str], clause_openers: list[str], circumstances: list[str], empty_objects: list[str],
) -> ConceptContext:
    """The concept_context component (see pipeline.annotate.context)."""
    return ConceptContext(
        nlp, name, negation_forward, negation_backward, negation_both, negation_constituent, hedges, hedges_forward,
        pseudo, terminations, clause_openers, circumstances, empty_objects,
    )
