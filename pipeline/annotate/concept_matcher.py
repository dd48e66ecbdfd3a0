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

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.annotate.patterns import ABBREVIATION, SYNONYM, resolve_patterns, tokenize_patterns
from pipeline.kb import DEFAULT_KB_DIR, KnowledgeBase, load_kb

SOURCE_LEXICON = "lexicon"

# Positional words that belong to the brain-region mention they precede.
REGION_MODIFIERS = frozenset("""
dorsal ventral medial lateral rostral caudal anterior posterior superior inferior central intermediate
dorsomedial dorsolateral ventromedial ventrolateral rostromedial rostrolateral caudomedial caudolateral
anteromedial anterolateral posteromedial posterolateral anterodorsal anteroventral posterodorsal
posteroventral mediodorsal laterodorsal mediolateral rostrocaudal dorsoventral contralateral ipsilateral
bilateral left right deep superficial inner outer upper lower middle
""".split())

if not Span.has_extension("concept_source"):
    Span.set_extension("concept_source", default=None)


class MissingAbbreviationDetector(ValueError):
    """The concept matcher needs scispaCy's abbreviation_detector earlier in the pipeline."""


@Language.factory(
    "concept_matcher",
    default_config={"kb_dir": None, "kb_extra": [], "extend_region_modifiers": True},
    requires=["doc._.abbreviations", "token.norm"],
    assigns=["doc.ents", "span._.concept_source", "span._.long_form"],
)
def make_concept_matcher(
    nlp: Language, name: str, kb_dir: str | None, kb_extra: list[str], extend_region_modifiers: bool
) -> "ConceptMatcher":
    """Build the matcher from models/kb (or kb_dir) plus the user's extra files."""
    return ConceptMatcher(nlp, load_kb(kb_dir or DEFAULT_KB_DIR, kb_extra), name, extend_region_modifiers)


class ConceptMatcher:
    """Sets doc.ents to knowledge-base concepts: label = concept type, kb_id_ = concept id."""

    def __init__(
        self, nlp: Language, kb: KnowledgeBase, name: str = "concept_matcher", extend_region_modifiers: bool = True
    ) -> None:
        if "abbreviation_detector" not in nlp.pipe_names:
            raise MissingAbbreviationDetector(
                "add scispaCy's abbreviation_detector before the concept_matcher: "
                "it tells what each document's short forms stand for"
            )
        self.name = name
        self.kb = kb
        self.extend_region_modifiers = extend_region_modifiers
        self.vocab = nlp.vocab
        self.patterns = resolve_patterns(kb, tokenize_patterns(kb, nlp.tokenizer))
        self.synonyms = PhraseMatcher(nlp.vocab, attr="NORM")
        self.abbreviations = PhraseMatcher(nlp.vocab, attr="ORTH")
        for matcher, patterns in ((self.synonyms, self.patterns.synonyms), (self.abbreviations, self.patterns.abbreviations)):
            by_concept: dict[str, list[Doc]] = {}
            for pattern in patterns:
                by_concept.setdefault(pattern.concept_id, []).append(pattern.doc)
            for concept_id, docs in by_concept.items():
                matcher.add(concept_id, docs)
        self.if_defined: dict[str, set[str]] = {}
        for concept in kb:
            for short in concept.abbreviations_if_defined:
                self.if_defined.setdefault(short, set()).add(concept.id)

    def __call__(self, doc: Doc) -> Doc:
        strings = self.vocab.strings
        spans = [
            self._span(doc, start, end, strings[match_id])
            for kind, matcher in ((SYNONYM, self.synonyms), (ABBREVIATION, self.abbreviations))
            for match_id, start, end in matcher(doc)
            if self._in_context(doc, kind, start, end)
        ]
        spans = filter_spans(spans)
        defined, undefined = self._defined_abbreviations(doc, spans)
        redefined = {*undefined, *defined}
        spans = [span for span in spans if span.text not in redefined and span.text.removesuffix("s") not in redefined]
        spans.extend(self._abbreviation_spans(doc, defined))
        spans = filter_spans(spans)
        doc.ents = self._with_region_modifiers(doc, spans) if self.extend_region_modifiers else spans
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    def _with_region_modifiers(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """Brain-region mentions widened over the positional words before them ("contralateral
        dorsal hypothalamus"): the concept stays that of the region named."""
        taken = {i for span in spans for i in range(span.start, span.end)}
        widened = []
        for span in spans:
            start = span.start
            if span.label_ == "BRAIN_REGION" and span._.long_form is None:
                while start > 0 and start - 1 not in taken and doc[start - 1].lower_ in REGION_MODIFIERS:
                    start -= 1
            if start != span.start:
                taken.update(range(start, span.start))
                span = self._span(doc, start, span.end, span.kb_id_)
            widened.append(span)
        return widened

    def _in_context(self, doc: Doc, kind: str, start: int, end: int) -> bool:
        """False for an alias that needs a context word its sentence lacks (alias rules)."""
        tokens = doc[start:end]
        context = self.patterns.context.get((kind, tuple(t.norm_ if kind == SYNONYM else t.text for t in tokens)))
        return context is None or any(token.norm_ in context for token in tokens.sent)

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
        # "nucleus locus coeruleus (LC)" where the detector found no pair, or a pair whose long
        # form the concept overruns ("locus coeruleus"): trust the knowledge base; the
        # detector's long form, if any, stays the long form.
        detected = {short.text: short._.long_form for short in doc._.abbreviations}
        for span in spans:
            if span.end + 2 < len(doc) and doc[span.end].text == "(" and doc[span.end + 2].text == ")":
                short = doc[span.end + 1].text
                if span.kb_id_ in self.if_defined.get(short, ()) and short not in defined:
                    long_form = detected.get(short)
                    defined[short] = (span.kb_id_, long_form if long_form is not None and long_form.end == span.end else span)
                    undefined.discard(short)
        return defined, undefined - set(defined)

    def _abbreviation_spans(self, doc: Doc, defined: dict[str, tuple[str, Span]]) -> list[Span]:
        """A span for every occurrence of each defined short form (found on the ORTH array)."""
        if not defined:
            return []
        by_orth = {self.vocab.strings.add(short): value for short, value in defined.items()}
        orths = doc.to_array(ORTH)
        spans = []
        for i in numpy.flatnonzero(numpy.isin(orths, list(by_orth))):
            concept_id, long_form = by_orth[orths[i]]
            span = self._span(doc, int(i), int(i) + 1, concept_id)
            span._.long_form = long_form
            spans.append(span)
        return spans
