"""The concept_resolver component: a generic mention takes the concept its document means.

"withdrawal", the hub of the addiction literature, names the withdrawal from whatever
drug the text is about: opioid withdrawal in a morphine abstract, alcohol withdrawal in an
ethanol one. The knowledge base says which generic concepts resolve, and to what, for
which substances (models/kb/resolutions.tsv, pipeline/kb/resolutions.py). For each mention
of a generic concept the resolver takes, in this order (corpora/gold/GUIDELINES.md,
DISORDER):

1. a DRUG mention right before it ("morphine withdrawal": morphine is_a opioid analgesic
   is_a opioid), which decides alone: "ketamine withdrawal", for which the table has no
   row, stays generic;
2. else a DRUG mention it governs right after it ("withdrawal from morphine",
   "withdrawal of opiates", "dependence on heroin", "addiction to cocaine"; OBJECT_WORDS),
   which decides alone too;
3. else the nearest DRUG mention before it in its sentence that reaches one of the
   generic concept's substances along is_a;
4. else the substance the document's DRUG mentions reach most often (ties: the one
   mentioned first);
5. else the mention keeps its generic concept.

A DRUG right before the mention decides only when it is the one substance there: after
coordinated substances that resolve differently ("ethanol, morphine and cocaine
abstinence") the mention keeps its generic concept.

A mention that names the general kind itself ("drug withdrawal", "drug abstinence",
"substance dependence": GENERAL_WORDS first) is no bare mention and keeps its concept.

The mention's label becomes the resolved concept's type. Where the table says the generic
concept `joins`, a DRUG mention right before the mention that resolves it becomes part of
it ("heroin dependence": one mention of opioid dependence); otherwise spans do not change
("morphine withdrawal": morphine, and withdrawal resolved to opioid withdrawal). The
component runs on the final entities, after the NER's are merged and linked.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.annotate.concept_matcher import SOURCE_LEXICON  # noqa: F401  (registers Span._.concept_source)
from pipeline.annotate.coordination import CLAUSE_COORDINATORS
from pipeline.kb import KnowledgeBase

OBJECT_WORDS = frozenset({"of", "from", "on", "to"})  # "withdrawal from morphine", "dependence on heroin"
COORDINATION = frozenset({*CLAUSE_COORDINATORS, ","})  # what joins coordinated substances before a generic mention
GENERAL_WORDS = frozenset({"drug", "drugs", "substance", "substances"})  # "drug abstinence", "substance dependence": no one substance


@Language.factory("concept_resolver", requires=["doc.ents"], assigns=["doc.ents"])
def make_concept_resolver(nlp: Language, name: str) -> "ConceptResolver":
    """The resolver over the concept matcher's knowledge base."""
    return ConceptResolver(nlp.get_pipe("concept_matcher").kb, name)


def _coordinated_drugs(mentions: list[Span]) -> list[Span]:
    """The last mention, a DRUG, with the DRUG mentions a coordinator or comma joins to it
    ("ethanol, morphine and cocaine" before "abstinence")."""
    drugs = [mentions[-1]]
    for mention in reversed(mentions[:-1]):
        between = mention.doc[mention.end:drugs[-1].start]
        if mention.label_ != "DRUG" or not 1 <= len(between) <= 2 or any(t.lower_ not in COORDINATION for t in between):
            break
        drugs.append(mention)
    return drugs


class ConceptResolver:
    """Replaces the concept of generic mentions by the one their document means (see the module docstring)."""

    def __init__(self, kb: KnowledgeBase, name: str = "concept_resolver") -> None:
        self.name = name
        self.kb = kb
        self.table: dict[str, dict[str, str]] = {}  # generic -> {substance: resolved}
        self.joining: set[str] = set()  # generic concepts a DRUG mention right before joins
        for row in kb.resolutions:
            self.table.setdefault(row.generic, {}).setdefault(row.substance, row.resolved)
            if row.joins:
                self.joining.add(row.generic)
        self.substances = lru_cache(maxsize=50_000)(self._substances)

    def _substances(self, concept_id: str) -> tuple[str, ...]:
        """The concept and everything above it along is_a, nearest first."""
        seen, level = [concept_id], [concept_id]
        while level:
            level = [parent for c in level if c in self.kb for parent in self.kb[c].is_a if parent not in seen]
            seen.extend(dict.fromkeys(level))
        return tuple(seen)

    def _resolved(self, choices: dict[str, str], drug: str) -> str | None:
        return next((choices[s] for s in self.substances(drug) if s in choices), None)

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        if not any(ent.kb_id_ in self.table for ent in ents):
            return doc
        drugs = [ent for ent in ents if ent.label_ == "DRUG"]
        resolved: list[Span] = []
        for ent in ents:
            choices = self.table.get(ent.kb_id_)
            if not choices or ent[0].lower_ in GENERAL_WORDS:  # "drug withdrawal" names the general kind
                resolved.append(ent)
                continue
            before = resolved[-1] if resolved and resolved[-1].end == ent.start and resolved[-1].label_ == "DRUG" else None
            if before is not None and len({self._resolved(choices, d.kb_id_) for d in _coordinated_drugs(resolved)}) > 1:
                resolved.append(ent)  # "ethanol, morphine and cocaine abstinence": several substances, no one of them
                continue
            if before is not None:  # "heroin dependence", "ketamine withdrawal": that drug decides
                concept_id = self._resolved(choices, before.kb_id_) or ent.kb_id_
                if ent.kb_id_ in self.joining:
                    resolved[-1] = self._with_concept(ent, concept_id, start=before.start)
                else:
                    resolved.append(self._with_concept(ent, concept_id))
                continue
            governed = self._governed(ent, drugs)
            if governed is not None:  # "withdrawal from morphine": that drug decides
                resolved.append(self._with_concept(ent, self._resolved(choices, governed.kb_id_) or ent.kb_id_))
                continue
            concept_id = self._in_sentence(ent, drugs, choices) or self._in_document(drugs, choices)
            resolved.append(ent if concept_id is None else self._with_concept(ent, concept_id))
        doc.ents = resolved
        return doc

    @staticmethod
    def _governed(ent: Span, drugs: list[Span]) -> Span | None:
        """The DRUG mention right after the mention and one of OBJECT_WORDS, or None."""
        doc = ent.doc
        if ent.end + 1 >= len(doc) or doc[ent.end].lower_ not in OBJECT_WORDS:
            return None
        return next((drug for drug in drugs if drug.start == ent.end + 1), None)

    def _in_sentence(self, ent: Span, drugs: list[Span], choices: dict[str, str]) -> str | None:
        """The resolution by the nearest DRUG mention before the mention in its sentence."""
        sentence_start = ent.sent.start
        for drug in reversed([d for d in drugs if sentence_start <= d.start and d.end <= ent.start]):
            concept_id = self._resolved(choices, drug.kb_id_)
            if concept_id is not None:
                return concept_id
        return None

    def _in_document(self, drugs: list[Span], choices: dict[str, str]) -> str | None:
        """The resolution the document's DRUG mentions give most often (ties: the first)."""
        counts = Counter(concept_id for drug in drugs if (concept_id := self._resolved(choices, drug.kb_id_)) is not None)
        return max(counts, key=counts.__getitem__) if counts else None  # Counter keeps first-seen order for ties

    def _with_concept(self, ent: Span, concept_id: str, start: int | None = None) -> Span:
        """The mention (from `start`, when a drug joins it) as a mention of `concept_id`."""
        span = Span(ent.doc, ent.start if start is None else start, ent.end, label=self.kb[concept_id].type, kb_id=concept_id)
        span._.concept_source = ent._.concept_source
        span._.long_form = ent._.long_form
        return span
