"""The concept matcher: a spaCy component that finds knowledge-base concepts in text.

Synonyms and preferred names are matched on normalised tokens (see normalize.py) by
spaCy's PhraseMatcher; abbreviations are matched case-sensitively. scispaCy's
AbbreviationDetector, which must run first, decides what short forms mean in each
document: "basolateral amygdala (BLA)" makes every "BLA" of the document the
basolateral amygdala, a short form the document defines as something the knowledge
base does not know ("liquid chromatography (LC)") is never matched, and the
knowledge base's ambiguous short forms (abbreviations_if_defined) are matched only
where the document defines them. Overlapping matches keep the longest span.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.annotate.normalize import alias_variants
from pipeline.kb import DEFAULT_KB_DIR, KnowledgeBase, load_kb

SOURCE_LEXICON = "lexicon"

if not Span.has_extension("concept_source"):
    Span.set_extension("concept_source", default=None)


class MissingAbbreviationDetector(ValueError):
    """The concept matcher needs scispaCy's abbreviation_detector earlier in the pipeline."""


@Language.factory(
    "concept_matcher",
    default_config={"kb_dir": None, "kb_extra": []},
    requires=["doc._.abbreviations", "token.norm"],
    assigns=["doc.ents", "span._.concept_source", "span._.long_form"],
)
def make_concept_matcher(nlp: Language, name: str, kb_dir: str | None, kb_extra: list[str]) -> "ConceptMatcher":
    """Build the matcher from models/kb (or kb_dir) plus the user's extra files."""
    return ConceptMatcher(nlp, load_kb(kb_dir or DEFAULT_KB_DIR, kb_extra), name=name)


class ConceptMatcher:
    """Sets doc.ents to knowledge-base concepts: label = concept type, kb_id_ = concept id."""

    def __init__(self, nlp: Language, kb: KnowledgeBase, name: str = "concept_matcher") -> None:
        if "abbreviation_detector" not in nlp.pipe_names:
            raise MissingAbbreviationDetector(
                "add scispaCy's abbreviation_detector before the concept_matcher: "
                "it tells what each document's short forms stand for"
            )
        self.name = name
        self.kb = kb
        self.vocab = nlp.vocab
        self.synonyms = PhraseMatcher(nlp.vocab, attr="NORM")
        self.abbreviations = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.if_defined: dict[str, set[str]] = {}
        self._add_patterns(nlp)

    def _add_patterns(self, nlp: Language) -> None:
        """One pattern per distinct normal form; when two concepts share one, the first read wins."""
        seen: set[tuple] = set()
        for matcher, attr, aliases in (
            (self.synonyms, "norm_", self._synonyms()),
            (self.abbreviations, "orth_", self._abbreviations()),
        ):
            by_concept: dict[str, list[Doc]] = {}
            texts = [text for _, text in aliases]
            for (concept_id, _), pattern in zip(aliases, nlp.tokenizer.pipe(texts)):
                key = (attr, tuple(getattr(token, attr) for token in pattern))
                if key not in seen:
                    seen.add(key)
                    by_concept.setdefault(concept_id, []).append(pattern)
            for concept_id, patterns in by_concept.items():
                matcher.add(concept_id, patterns)
        for concept in self.kb:
            for short in concept.abbreviations_if_defined:
                self.if_defined.setdefault(short, set()).add(concept.id)

    def _synonyms(self) -> list[tuple[str, str]]:
        return [
            (concept.id, variant)
            for concept in self.kb
            for alias in (concept.name, *concept.synonyms)
            for variant in alias_variants(alias)
        ]

    def _abbreviations(self) -> list[tuple[str, str]]:
        pairs = []
        for concept in self.kb:
            for short in concept.abbreviations:
                variants = alias_variants(short)
                if short[-1].isupper():
                    variants.append(short + "s")  # MORs, VTAs
                pairs.extend((concept.id, variant) for variant in variants)
        return pairs

    def __call__(self, doc: Doc) -> Doc:
        strings = self.vocab.strings
        spans = [
            self._span(doc, start, end, strings[match_id])
            for matcher in (self.synonyms, self.abbreviations)
            for match_id, start, end in matcher(doc)
        ]
        spans = filter_spans(spans)
        defined, undefined = self._defined_abbreviations(doc, spans)
        spans = [span for span in spans if span.text not in undefined and span.text not in defined]
        spans.extend(self._abbreviation_spans(doc, defined))
        doc.ents = filter_spans(spans)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    def _span(self, doc: Doc, start: int, end: int, concept_id: str) -> Span:
        span = Span(doc, start, end, label=self.kb[concept_id].type, kb_id=concept_id)
        span._.concept_source = SOURCE_LEXICON
        return span

    def _defined_abbreviations(self, doc: Doc, spans: list[Span]) -> tuple[dict[str, tuple[str, Span]], set[str]]:
        """Short forms the document defines: {short: (concept id, long form)}, and those it
        defines as something outside the knowledge base."""
        by_end = {span.end: span for span in spans}
        defined: dict[str, tuple[str, Span]] = {}
        undefined: set[str] = set()
        for short in doc._.abbreviations:
            long_form = short._.long_form
            concept = by_end.get(long_form.end)
            if concept is not None and concept.start >= long_form.start:
                defined.setdefault(short.text, (concept.kb_id_, long_form))
            elif short.text not in defined:
                undefined.add(short.text)
        # "locus coeruleus (LC)" where the detector found no pair: trust the knowledge base.
        for span in spans:
            if span.end + 2 < len(doc) and doc[span.end].text == "(" and doc[span.end + 2].text == ")":
                short = doc[span.end + 1].text
                if span.kb_id_ in self.if_defined.get(short, ()) and short not in defined:
                    defined[short] = (span.kb_id_, span)
                    undefined.discard(short)
        return defined, undefined - set(defined)

    def _abbreviation_spans(self, doc: Doc, defined: dict[str, tuple[str, Span]]) -> list[Span]:
        spans = []
        for token in doc:
            if token.text in defined:
                concept_id, long_form = defined[token.text]
                span = self._span(doc, token.i, token.i + 1, concept_id)
                span._.long_form = long_form
                spans.append(span)
        return spans
