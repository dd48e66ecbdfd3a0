"""The concept_context component: is a concept mention negated or hedged in its sentence?

ConText-style rules (Harkema et al. 2009, J Biomed Inform 42:839, after NegEx, Chapman
et al. 2001), written for the language of abstracts and for the conventions of the gold
corpus (corpora/gold/GUIDELINES.md, "Negation and hedging"). The trigger phrases are the
component's config section `triggers`, one list per kind, and each kind has a direction:

- `negation_predicate` ("did not", "no", "failed to"...) negates the mentions after it, to
  the end of its clause; the agent before it is not negated ("clonidine did not reduce
  jumping": jumping only). When its predicate has no object (no mention after it in its
  clause, and at most one word, its verb, before a comma or a preposition; auxiliaries,
  adverbs in -ly and `words.empty_objects` such as "effect" do not count), it negates the
  mentions before it instead: their subject is what is denied ("fluoxetine had no
  effect", "stimulation of the mPFC did not", "X could not be detected");
- `negation_forward` ("without", "absence of", "neither"...) negates the mentions after
  it only: an adjunct ("X rose without changes in Y") leaves its clause affirmed;
- `negation_backward` ("unchanged", "unaffected", "ineffective"...) negates the mentions
  before it, back to the start of its clause ("X and Y were unchanged");
- `negation_both` ("was not", "was without", "did not differ", "did not correlate"...):
  passives and copulas, whose subject is what is denied, and symmetric predicates;
- `negation_constituent` ("but not", "rather than", "except"...) negates the phrase right
  after it: up to a comma or a preposition, past one that opens it ("in the BLA but not
  in the CeA", "somatic but not affective signs of withdrawal": affective only; "chronic,
  but not acute, fluoxetine reversed X": nothing but "acute");
- `hedge` ("may", "might", "putative", "thought to", "proposed to"...) hedges the mentions
  on both sides in its clause ("the BNST may mediate anxiety": both); `hedge_adverb`
  ("possibly", "perhaps", "likely"...) too, but after a comma only what follows (",
  possibly through changes in X"); `hedge_forward` ("suggest", "whether", "consistent
  with", "support a"...) only the statement after it, not its subject ("these results in
  the BLA suggest that X...": X only). A question (a sentence ending in "?") hedges all
  its mentions, its first word the cue;
- `pseudo` ("not only", "no sooner than", "whether or not", "less likely"...) contain a
  trigger but are not one;
- `termination` ("but", "however", "whereas", ", which", "when", "who", ";", ", and the"...)
  ends every scope; so do the sentence's ends, and the first comma of a sentence that
  opens with a termination ("While X rose, Y..."). Commas alone do not ("X, Y and Z were
  unchanged").

Scope rules for every trigger, with the word lists of the config section `words`:

- a trigger written in capitals is an acronym, not a cue ("non-opiate treatment (NOT)",
  "NO synthase"); a trigger inside a mention is ignored;
- a negation followed by one of `pseudo_predicates`, through adverbs in -ly and
  auxiliaries, is a statement about knowledge, not a negation ("the role of X is not
  fully understood", "has not been studied");
- a cue does not reach back across one of `clause_openers` ("a phenomenon of craving
  that may contribute to X": the antecedent is not hedged) or ", and", nor when "and" or
  "or" stands just before it, auxiliaries aside (in "X is observed in MDD and may result
  from Y" and "X decreased and was unchanged" the subject belongs to an affirmed
  predicate);
- a negation does not reach the object of one of `circumstances` (after, during, by...)
  that stands between the cue and the mention ("mice did not reinstate after stress",
  "ACTH was not suppressed by dexamethasone"; coordinated objects too), nor a mention
  joined by a hyphen to the word after it, which it only modifies ("did not reduce
  cocaine-induced hyperlocomotion"), except in a constituent negation ("stress-induced
  but not cocaine-primed reinstatement").

The results are `ent._.negated` and `ent._.hedged` on every entity of `doc.ents`, with
the cue that set each (`ent._.negation_cue`, `ent._.hedge_cue`: character offsets start,
end, or None), so this component runs after everything that sets entities. Measured on
the gold corpus by pipeline/evaluate/negation.py (README, Graph analytics, Context).

negspacy (NegEx for spaCy) flags negation only, not hedging, with clinical termsets.
medspaCy's ConText was measured on the same gold mentions (scripts/medspacy_context.py,
README) and did worse.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Iterator, Mapping

from spacy.attrs import ENT_IOB, IS_UPPER, LENGTH, LOWER, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.annotate.coordination import CLAUSE_COORDINATORS
from pipeline.annotate.sentences import sentence_of, sentence_starts

TRIGGERS = {
    "negation_predicate": (
        "no", "not", "failed to", "fails to", "fail to", "did not", "does not", "do not", "didn't", "doesn't", "don't",
        "could not", "can not", "cannot", "unable to", "no longer", "never",
    ),
    "negation_forward": ("without", "absence of", "lack of", "neither", "nor", "none of"),
    "negation_backward": ("unchanged", "unaffected", "unaltered", "absent", "undetectable", "ineffective"),
    "negation_both": (
        "was not", "were not", "is not", "are not", "was no longer", "were no longer", "was without", "were without",
        "is without", "are without", "did not differ", "do not differ", "does not differ", "did not correlate",
        "do not correlate", "does not correlate", "did not interact",
    ),
    "negation_constituent": ("but not", "and not", ", not", "rather than", "except", "instead of"),
    "hedge": (
        "may", "might", "could", "possible", "putative", "presumed", "unlikely", "potential", "appear to",
        "appears to", "appeared to", "appears", "seem to", "seems to", "seemed to", "seems", "thought to",
        "believed to", "proposed to", "proposed as", "hypothesized to", "hypothesised to", "suggested to",
        "postulated to",
    ),
    "hedge_adverb": ("possibly", "perhaps", "probably", "presumably", "putatively", "potentially", "conceivably", "likely"),
    "hedge_forward": (
        "suggest", "suggests", "suggested", "suggesting", "propose", "proposes", "proposed", "hypothesize",
        "hypothesized", "hypothesised", "hypothesis", "whether", "speculate", "speculated", "consistent with",
        "support a", "supports a", "support an", "supports an", "support the view", "supports the view",
        "support the hypothesis", "supports the hypothesis", "support the idea", "supports the idea",
        "support the notion", "supports the notion", "verify if", "verified if", "determine if", "determined if",
        "examine if", "examined if", "test if", "tested if", "assess if", "assessed if", "investigate if",
        "investigated if",
    ),
    "pseudo": (
        "not only", "did not only", "not just", "not necessarily", "whether or not", "no doubt", "not until",
        "no sooner than", "no less than", "not unlike", "no more than", "less likely", "more likely", "not inferior",
        "with and without", "with or without",
    ),
    "termination": (
        "but", "however", "although", "though", "whereas", "while", "yet", "in contrast", "instead", ", which", "when",
        "because", ";", ":", ", and the", ", and their", ", and this", ", and these", ", and its", ", and it",
        ", and they", ", and we",
    ),
}
WORDS = {
    "clause_openers": ("that", "which", "who"),
    "circumstances": ("after", "before", "during", "following", "upon", "by"),
    "prepositions": (
        "in", "on", "at", "for", "from", "with", "within", "between", "among", "across", "over", "under", "to",
        "into", "than", "of", "throughout", "through",
    ),
    "empty_objects": ("effect", "effects", "change", "changes", "difference", "differences", "significant"),
    "pseudo_predicates": (
        "understood", "known", "clear", "established", "studied", "investigated", "examined", "explored",
        "addressed", "controlled", "elucidated", "characterized", "characterised", "determined", "resolved", "hold",
    ),
}
# Words that may stand between "and" and a cue in a second predicate ("X decreased and was
# unchanged") and between a negation and a pseudo predicate ("not yet fully understood"),
# and that are no object of a negated predicate ("X could not be detected").
AUXILIARIES = ("was", "were", "is", "are", "be", "been", "has", "have", "had", "remained", "remains", "yet", "well")

# Overlapping matches are resolved so that a pseudo trigger wins over the triggers inside
# it, then longer phrases over shorter ones ("was not" over "not"), then by this order.
CATEGORIES = tuple(TRIGGERS)
RANK = {category: i for i, category in enumerate(CATEGORIES)}
# Whether each kind reaches the mentions after it, before it.
NEGATION_DIRECTIONS = {
    "negation_predicate": (True, False), "negation_forward": (True, False), "negation_backward": (False, True),
    "negation_both": (True, True),
}
HEDGE_DIRECTIONS = {"hedge": (True, True), "hedge_adverb": (True, True), "hedge_forward": (True, False)}

for _name, _default in (("negated", False), ("hedged", False), ("negation_cue", None), ("hedge_cue", None)):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)


class EmptyTrigger(ValueError):
    """A trigger phrase or word of the concept_context config is empty or only whitespace."""


class UnknownList(ValueError):
    """The concept_context config names a trigger kind or word list the component does not have."""


class ConceptContext:
    """Sets `ent._.negated`, `ent._.hedged` and their cues on the entities of a document (see module doc)."""

    def __init__(self, nlp: Language, name: str, triggers: Mapping[str, Iterable[str]], words: Mapping[str, Iterable[str]]) -> None:
        self.name = name
        for given, known, section in ((triggers, TRIGGERS, "triggers"), (words, WORDS, "words")):
            if set(given) - set(known):
                raise UnknownList(f"{name}: no {section} list {sorted(set(given) - set(known))}; the lists are {sorted(known)}")
            for key, terms in given.items():
                if any(not term.strip() for term in terms):
                    raise EmptyTrigger(f"{name}: an empty entry in its {section}.{key} list")
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for category in CATEGORIES:
            terms = sorted(set(triggers.get(category, ())))
            if terms:
                self.matcher.add(category, list(nlp.tokenizer.pipe(terms)))
        self.category = {nlp.vocab.strings.add(c): c for c in CATEGORIES}
        self.strings = nlp.vocab.strings
        hashes = lambda terms: frozenset(self.strings.add(w.lower()) for w in terms)  # noqa: E731  (as LOWER hashes)
        self.clause_openers, self.circumstances = hashes(words.get("clause_openers", ())), hashes(words.get("circumstances", ()))
        self.prepositions, self.empty_objects = hashes(words.get("prepositions", ())), hashes(words.get("empty_objects", ()))
        self.pseudo_predicates = hashes(words.get("pseudo_predicates", ()))
        self.coordinators, self.auxiliaries = hashes(CLAUSE_COORDINATORS), hashes(AUXILIARIES)
        self.comma, self.hyphen, self.question_mark = (self.strings.add(mark) for mark in (",", "-", "?"))

    def triggers(self, doc: Doc, ents: tuple[Span, ...] | None = None) -> list[tuple[str, int, int]]:
        """(category, start, end) of the trigger phrases outside entities (`ents`, default
        doc.ents), overlaps resolved, acronyms (a trigger written in capitals) left out, in text order."""
        matches = [(self.category[m], start, end) for m, start, end in self.matcher(doc)]
        if not matches:
            return []
        inside = set()
        for ent in doc.ents if ents is None else ents:
            inside.update(range(ent.start, ent.end))
        matches.sort(key=lambda m: (m[1] - m[2] if m[0] != "pseudo" else -len(doc), RANK[m[0]], m[1]))
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
        if not ents:
            return doc
        triggers = self.triggers(doc, ents)
        lowers = doc.to_array(LOWER).tolist()
        if not triggers and self.question_mark not in lowers:
            return doc
        tokens = _Tokens(lowers, [iob in (1, 3) for iob in doc.to_array(ENT_IOB).tolist()],  # I or B
                         doc.to_array(SPACY).tolist(), [ent.start for ent in ents])
        starts = sentence_starts(doc)
        ends = [*starts[1:], len(doc)]
        by_sentence: dict[int, list[Span]] = {}
        for ent in ents:
            by_sentence.setdefault(sentence_of(starts, ent.start), []).append(ent)
        for sentence, sentence_ents in by_sentence.items():
            start, end = starts[sentence], ends[sentence]
            scope = _Scope(self, [t for t in triggers if start <= t[1] and t[2] <= end], start, end, tokens)
            if not scope.triggers and not scope.question:
                continue
            for ent in sentence_ents:
                negation, hedge = scope.negation(ent), scope.hedge(ent)
                if negation or hedge:
                    extensions = ent._
                    if negation:
                        extensions.negated, extensions.negation_cue = True, _characters(doc, negation)
                    if hedge:
                        extensions.hedged, extensions.hedge_cue = True, _characters(doc, hedge)
        return doc


def _characters(doc: Doc, tokens: tuple[int, int]) -> tuple[int, int]:
    start, end = tokens
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


class _Tokens:
    """A document's tokens as arrays: LOWER hashes, whether each is in an entity, whether a
    space follows it; and the first token of each entity."""

    def __init__(self, lowers: list[int], inside: list[bool], spaced: list[int], ent_starts: list[int]):
        self.lowers, self.inside, self.spaced, self.ent_starts = lowers, inside, spaced, ent_starts


class _Scope:
    """The scope rules of the module doc, over the triggers of one sentence."""

    def __init__(self, context: ConceptContext, triggers: list[tuple[str, int, int]], start: int, end: int, tokens: _Tokens):
        self.context, self.start, self.end, self.tokens = context, start, end, tokens
        lowers = tokens.lowers
        self.triggers = [t for t in triggers if not (t[0] in NEGATION_DIRECTIONS and self._before_pseudo_predicate(t[2]))]
        if self.triggers and self.triggers[0][:2] == ("termination", start) and context.comma in lowers[start:end]:
            # a sentence that opens with a subordinate clause ("While X, Y"): the clause ends at its first comma
            comma = lowers.index(context.comma, start, end)
            self.triggers = sorted([*self.triggers, ("termination", comma, comma + 1)], key=lambda t: t[1])
        last = next((i for i in range(end - 1, start - 1, -1) if context.strings[lowers[i]].strip()), start)
        self.question = lowers[last] == context.question_mark

    def _before_pseudo_predicate(self, cue_end: int) -> bool:
        """Whether a negation cue is followed by a pseudo predicate ("not fully understood"),
        through adverbs in -ly and auxiliaries."""
        context = self.context
        for word in self.tokens.lowers[cue_end:self.end]:
            if word in context.pseudo_predicates:
                return True
            if word not in context.auxiliaries and not context.strings[word].endswith("ly"):
                return False
        return False

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

    def _modifies_next_word(self, ent: Span) -> bool:
        """Whether the entity is joined by a hyphen to the word after it ("cocaine-induced")."""
        spaced, after = self.tokens.spaced, ent.end
        return after + 1 < self.end and self.tokens.lowers[after] == self.context.hyphen and not spaced[ent.end - 1] and not spaced[after]

    def _objectless(self, cue_end: int) -> bool:
        """Whether the predicate of a negation_predicate cue has no object (module doc)."""
        context, tokens = self.context, self.tokens
        clause_end = self._clause_end(cue_end)
        i = bisect_left(tokens.ent_starts, cue_end)
        if i < len(tokens.ent_starts) and tokens.ent_starts[i] < clause_end:
            return False
        words = 0
        for word in tokens.lowers[cue_end:clause_end]:
            if word == context.comma or word in context.prepositions or word in context.circumstances:
                break
            if word not in context.empty_objects and word not in context.auxiliaries:
                text = context.strings[word]
                words += text.isalpha() and not text.endswith("ly")
        return words <= 1

    def _reaches_back(self, cue_start: int, ent: Span) -> bool:
        """Whether a cue after the entity reaches back to it (module doc: clause openers, ", and",
        "and"/"or" just before the cue)."""
        context, lowers = self.context, self.tokens.lowers
        i = cue_start - 1
        while i > ent.end and lowers[i] in context.auxiliaries:
            i -= 1
        if i >= ent.end and lowers[i] in context.coordinators:
            return False
        for i in range(ent.end, cue_start):
            if lowers[i] in context.clause_openers or (lowers[i] in context.coordinators and lowers[i - 1] == context.comma):
                return False
        return True

    def _after_circumstance(self, ent: Span, cue_end: int) -> bool:
        """Whether the entity is the object of a circumstance word after the cue: the word,
        then only the entity, or mentions coordinated with it ("after morphine or heroin")."""
        context, lowers, inside = self.context, self.tokens.lowers, self.tokens.inside
        between: list[int] = []  # the words since the last mention, walking back
        for i in range(ent.start - 1, cue_end - 1, -1):
            if inside[i]:
                if any(word not in context.coordinators and word != context.comma for word in between):
                    return False
                between = []
            elif lowers[i] in context.circumstances:
                return True
            else:
                between.append(lowers[i])
        return False

    def _in_constituent(self, cue_end: int, ent: Span) -> bool:
        """Whether the entity is in the phrase a constituent negation negates: up to a comma,
        and, unless the phrase opens with a preposition ("but not in those projecting to X"),
        up to a preposition ("but not affective signs of withdrawal": the rest is shared)."""
        context, lowers = self.context, self.tokens.lowers
        between = lowers[cue_end:ent.start]
        if context.comma in between:
            return False
        opens_with_preposition = bool(between) and (between[0] in context.prepositions or between[0] in context.circumstances)
        return opens_with_preposition or not any(w in context.prepositions or w in context.circumstances for w in between)

    def negation(self, ent: Span) -> tuple[int, int] | None:
        """The (start, end) tokens of the cue that negates the entity, or None."""
        modifier = self._modifies_next_word(ent)
        for category, start, end in self._preceding(ent):
            if category == "negation_constituent":
                if self._in_constituent(end, ent):
                    return start, end
            elif NEGATION_DIRECTIONS.get(category, (False,))[0] and not modifier and not self._after_circumstance(ent, end):
                if not any(word in self.context.clause_openers for word in self.tokens.lowers[end:ent.start]):
                    return start, end
        if modifier:
            return None
        for category, start, end in self._following(ent):
            backward = NEGATION_DIRECTIONS.get(category, (False, False))[1]
            if (backward or (category == "negation_predicate" and self._objectless(end))) and self._reaches_back(start, ent):
                return start, end
        return None

    def hedge(self, ent: Span) -> tuple[int, int] | None:
        """The (start, end) tokens of the cue that hedges the entity, or None."""
        if self.question:
            return self.start, self.start + 1
        for category, start, end in self._preceding(ent):
            if category in HEDGE_DIRECTIONS:
                return start, end
        for category, start, end in self._following(ent):
            if not HEDGE_DIRECTIONS.get(category, (False, False))[1]:
                continue
            if category == "hedge_adverb" and self.tokens.lowers[start - 1] == self.context.comma:
                continue
            if self._reaches_back(start, ent):
                return start, end
        return None


@Language.factory(
    "concept_context",
    default_config={"triggers": {k: list(v) for k, v in TRIGGERS.items()}, "words": {k: list(v) for k, v in WORDS.items()}},
)
def create_concept_context(nlp: Language, name: str, triggers: dict[str, list[str]], words: dict[str, list[str]]) -> ConceptContext:
    """The concept_context component (see pipeline.annotate.context): `triggers`, the trigger
    phrases of each kind, and `words`, the word lists of its scope rules."""
    return ConceptContext(nlp, name, triggers, words)
