"""The concept_relations component: directed relations a sentence states between two concepts.

Token-pattern rules (spaCy's Matcher; the pipeline has no parser) on the words between
two neighbouring entities of a sentence. The words between must match a pattern as a
whole, allowing a few fillers (adverbs such as "significantly", determiners, "which"):

| relation | active: X ... Y | passive: Y ... X |
|---|---|---|
| projects_to | X projects to / sends projections to / innervates / projections to Y | Y receives (projections / input) from X, Y is innervated by X |
| increases | X increases / enhances / activates / induces / potentiates ... Y | Y is increased / enhanced / activated ... by X |
| decreases | X decreases / reduces / attenuates / blocks / inhibits / prevents ... Y | Y is reduced / attenuated / blocked ... by X |
| mediates | X mediates / underlies / contributes to / is required for / drives Y | Y is mediated / driven by X |
| modulates | X modulates / regulates / controls Y | Y is modulated / regulated / controlled by X |

`projects_to` holds only between brain regions. A relation is not stated:

- when the first of the two entities, the grammatical subject, follows a preposition
  (PREPOSITIONS, determiners skipped): in "blockade of X attenuated Y", "infusion into
  X reduced Y" or "receptors in X mediate Y" the blockade, the infusion or the
  receptors act, and X only names where;
- when the subject or the object modifies the word after it through a hyphen
  ("X reduced naloxone-induced firing": the firing is reduced, not naloxone);
- when the subject or the object names a drug class with the word after it
  ("attenuated by CRF1 receptor antagonists": the antagonists act, and the receptor
  does the opposite; patterns.DRUG_ROLES);
- when X or Y is negated (pipeline.annotate.context, which must run first; "X did not
  increase Y" matches no pattern anyway).

The result is `doc._.relations`, a list of (subject entity, relation, object entity).
Measured on the demo corpus: see README, Graph analytics.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from pipeline.annotate.patterns import DRUG_ROLES
from pipeline.annotate.sentences import sentence_of, sentence_starts

RELATIONS = ("projects_to", "increases", "decreases", "mediates", "modulates")
FILLERS = (
    "also", "directly", "strongly", "significantly", "markedly", "robustly", "selectively", "preferentially",
    "densely", "heavily", "primarily", "mainly", "partly", "partially", "further", "potently", "dramatically",
    "dose-dependently", "reliably", "consistently", "the", "a", "an", "its", "their", "both", ",", "which", "that",
    "may", "might", "could", "can", "would", "likely", "dense", "strong", "direct", "major", "reciprocal",
    "excitatory", "inhibitory", "glutamatergic", "gabaergic", "dopaminergic", "noradrenergic", "monosynaptic",
)
AUXILIARIES = ("is", "are", "was", "were", "be", "been", "being")
# Active verb forms (X verb Y) and past participles (Y is participle by X) of each relation.
VERBS = {
    "increases": (
        ("increase", "increases", "increased"), ("enhance", "enhances", "enhanced"), ("elevate", "elevates", "elevated"),
        ("potentiate", "potentiates", "potentiated"), ("augment", "augments", "augmented"),
        ("activate", "activates", "activated"), ("stimulate", "stimulates", "stimulated"),
        ("induce", "induces", "induced"), ("evoke", "evokes", "evoked"), ("facilitate", "facilitates", "facilitated"),
        ("promote", "promotes", "promoted"), ("exacerbate", "exacerbates", "exacerbated"),
        ("upregulate", "upregulates", "upregulated"), ("precipitate", "precipitates", "precipitated"),
    ),
    "decreases": (
        ("decrease", "decreases", "decreased"), ("reduce", "reduces", "reduced"), ("attenuate", "attenuates", "attenuated"),
        ("inhibit", "inhibits", "inhibited"), ("suppress", "suppresses", "suppressed"), ("block", "blocks", "blocked"),
        ("abolish", "abolishes", "abolished"), ("prevent", "prevents", "prevented"), ("diminish", "diminishes", "diminished"),
        ("blunt", "blunts", "blunted"), ("alleviate", "alleviates", "alleviated"), ("reverse", "reverses", "reversed"),
        ("impair", "impairs", "impaired"), ("downregulate", "downregulates", "downregulated"), ("lower", "lowers", "lowered"),
    ),
    "mediates": (
        ("mediate", "mediates", "mediated"), ("underlie", "underlies", "underlay"), ("drive", "drives", "driven"),
    ),
    "modulates": (
        ("modulate", "modulates", "modulated"), ("regulate", "regulates", "regulated"), ("control", "controls", "controlled"),
    ),
}
# A subject after one of these words is a place or a part, not the agent: "blockade of X", "infusion into X".
PREPOSITIONS = ("of", "in", "into", "within", "from", "to", "on", "at", "onto", "through")
DETERMINERS = ("the", "a", "an", "its", "their", "this", "these")


def _words(*words: str) -> dict:
    return {"LOWER": {"IN": list(words)}}


def _patterns() -> dict[str, list[list[dict]]]:
    """Matcher patterns by key "relation" (X before Y) or "relation<" (Y before X, passive)."""
    filler = _words(*FILLERS) | {"OP": "*"}
    aux = _words(*AUXILIARIES)
    by = {"LOWER": "by"}
    patterns: dict[str, list[list[dict]]] = {}
    for relation, forms in VERBS.items():
        active = [form for verb in forms for form in verb[:2]] + [verb[2] for verb in forms if verb[2] != "driven"]
        participles = [verb[2] for verb in forms]
        patterns[relation] = [[filler, _words(*active), filler]]
        patterns[relation + "<"] = [[filler, aux, filler, _words(*participles), by, filler]]
    patterns["mediates"] += [
        [filler, _words("contributes", "contribute", "contributed"), {"LOWER": "to"}, filler],
        [filler, aux, filler, _words("required", "necessary", "critical", "essential", "crucial"), {"LOWER": "for"}, filler],
        [filler, _words("plays", "play", "played"), _words("a", "an"), _words("key", "critical", "central", "major", "crucial", "important", "causal"), {"LOWER": "role"}, {"LOWER": "in"}, filler],
    ]
    patterns["projects_to"] = [
        [filler, _words("project", "projects", "projected", "projecting"), {"LOWER": "to"}, filler],
        [filler, _words("send", "sends", "sent"), filler, _words("projections", "efferents", "axons", "fibers", "fibres"), {"LOWER": "to"}, filler],
        [filler, _words("innervate", "innervates", "innervated"), filler],
        [filler, _words("projections", "inputs", "input", "efferents", "afferents"), {"LOWER": "to"}, filler],
    ]
    patterns["projects_to<"] = [
        [filler, _words("receive", "receives", "received"), filler, _words("projections", "input", "inputs", "afferents", "innervation"), {"LOWER": "from"}, filler],
        [filler, aux, filler, {"LOWER": "innervated"}, by, filler],
    ]
    return patterns


def _after_preposition(ent: Span, sentence_start: int) -> bool:
    """Whether the word before the entity in its sentence, determiners skipped, is one of PREPOSITIONS."""
    i = ent.start - 1
    while i >= sentence_start and ent.doc[i].lower_ in DETERMINERS:
        i -= 1
    return i >= sentence_start and ent.doc[i].lower_ in PREPOSITIONS


def _modifies_next(ent: Span) -> bool:
    """Whether the entity is joined by a hyphen to the word after it ("naloxone-induced")."""
    return ent.end < len(ent.doc) and ent.doc[ent.end].text == "-" and ent.doc[ent.end - 1].whitespace_ == ""


def _names_drug_class(ent: Span) -> bool:
    """Whether the word after the entity makes a drug class of it ("CRF1 receptor antagonists")."""
    return ent.end < len(ent.doc) and ent.doc[ent.end].norm_ in DRUG_ROLES


if not Doc.has_extension("relations"):
    Doc.set_extension("relations", default=None)


class ConceptRelations:
    """Sets `doc._.relations`: (subject, relation, object) entity triples stated by sentences (see module doc)."""

    def __init__(self, nlp: Language, name: str, max_gap: int) -> None:
        self.name = name
        self.max_gap = max_gap
        self.matcher = Matcher(nlp.vocab)
        for key, patterns in _patterns().items():
            self.matcher.add(key, patterns)

    def relation(self, first: Span, second: Span, sentence_start: int) -> tuple[Span, str, Span] | None:
        """The relation stated by the words between two neighbouring entities of the sentence
        starting at token sentence_start, if any."""
        doc = first.doc
        gap = second.start - first.end
        if gap == 0 or gap > self.max_gap or first._.negated or second._.negated:
            return None
        if _after_preposition(first, sentence_start) or any(_modifies_next(ent) or _names_drug_class(ent) for ent in (first, second)):
            return None
        between = doc[first.end:second.start]
        matches = [doc.vocab.strings[m] for m, start, end in self.matcher(between) if (start, end) == (0, len(between))]
        if not matches:
            return None
        key = sorted(matches)[0]
        relation = key.rstrip("<")
        subject, obj = (second, first) if key.endswith("<") else (first, second)
        if relation == "projects_to" and not (subject.label_ == obj.label_ == "BRAIN_REGION"):
            return None
        return subject, relation, obj

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        starts = sentence_starts(doc)
        sentences = [sentence_of(starts, ent.start) for ent in ents]
        found = []
        for i, (first, second) in enumerate(zip(ents, ents[1:])):
            if sentences[i] != sentences[i + 1]:
                continue
            relation = self.relation(first, second, starts[sentences[i]])
            if relation is not None:
                found.append(relation)
        doc._.relations = found
        return doc


@Language.factory("concept_relations", default_config={"max_gap": 8}, requires=["doc.ents"], assigns=["doc._.relations"])
def create_concept_relations(nlp: Language, name: str, max_gap: int) -> ConceptRelations:
    """The concept_relations component (see pipeline.annotate.relations)."""
    return ConceptRelations(nlp, name, max_gap)


def document_relations(doc: Doc) -> tuple[tuple[int, str, int], ...]:
    """`doc._.relations` as (subject, relation, object) indices into doc.ents (empty without the component)."""
    index = {(ent.start, ent.end): i for i, ent in enumerate(doc.ents)}
    return tuple(
        (index[(subject.start, subject.end)], relation, index[(obj.start, obj.end)])
        for subject, relation, obj in doc._.relations or ()
    )
