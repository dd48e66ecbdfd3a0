"""The concept matcher: a spaCy component that finds knowledge-base concepts in text.

Synonyms and preferred names are matched on normalised tokens (see normalize.py) by
spaCy's PhraseMatcher; abbreviations are matched case-sensitively. scispaCy's
AbbreviationDetector, which must run first, decides what short forms mean in each
document: "basolateral amygdala (BLA)" makes every "BLA" of the document the
basolateral amygdala, a short form the document defines as something the knowledge
base does not know ("liquid chromatography (LC)") is never matched, and the
knowledge base's ambiguous short forms (abbreviations_if_defined) are matched only
where the document defines them. Overlapping matches keep the longest span.

Beyond single names, following the project's annotation guidelines
(corpora/gold/GUIDELINES.md):

- a name interrupted by its short form, "hypothalamic–pituitary–adrenal (HPA) axis", is
  the concept of the whole name in both of its parts; elsewhere in the document the short
  form means the part before the parenthesis when that names a concept of its own
  ("kappa opioid receptor (KOR) system": KOR is the receptor), else the whole name;
- coordinated heads are split, one concept per conjunct (coordination.py);
- a short form labelling a group of subjects, "(MT, n = 30)", is not a mention, there or
  where it recurs in the document ("MT rats"), nor part of a compound's code name
  ("TCS-OX2-29"), nor a letter-named concept whose letter is the article ("orexin a large
  body");
- alias rules (models/kb/alias_rules.tsv) keep an alias to sentences with a context word,
  keep it from following some words or mentions ("noradrenergic hyperactivity"), keep a
  drug class to its uses as a noun ("opioids", not "opioid therapy"), or block a phrase
  from every mention ("paw withdrawal latency");
- what these rules keep from being a mention is kept in doc.spans["lexicon_rejected"], so
  that the NER does not bring it back (pipeline/annotate/ner.py);
- a brain region takes in the positional words before it ("dorsal hypothalamus"), but
  not laterality ("contralateral", "left"), which the guidelines leave out; a symptom
  takes in "-like behavior" after it ("irritability-like behavior"), and a neural system named
  without its head takes it in ("LC-NE complex", "LC-NE inhibitory system").
"""

from __future__ import annotations

import re
from dataclasses import astuple
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, Iterable

import numpy
import srsly
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.annotate.abbreviations import is_short_form
from pipeline.annotate.coordination import conjunct_spans
from pipeline.annotate.patterns import (ABBREVIATION, SYNONYM, Collision, Pattern, ResolvedPatterns, resolve_patterns, sentence_initial,
                                        tokenize_patterns)
from pipeline.annotate.sentences import doc_text
from pipeline.kb import DEFAULT_KB_DIR, AliasRule, Concept, KnowledgeBase, load_kb
from pipeline.kb.resolutions import Resolution

SOURCE_LEXICON = "lexicon"
REJECTED_SPANS_KEY = "lexicon_rejected"  # doc.spans: what the sense rules kept from being mentions
BLOCKED = "neuroconcepts:blocked"  # the matcher key of blocked phrases
MAX_INTERRUPTED_HEAD = 2  # words after "(SHORT)" that may complete an interrupted name
MAX_BRACKETED_LONG_FORM = 8  # words before "[SHORT]" tried as its long form (scispaCy's detector reads parentheses only)
CLOSING = {"(": ")", "[": "]"}
# A chemical's systematic name ("2-methyl-6-(phenylethynyl)-pyridine"): a short form it defines
# is the compound's code name, which the knowledge base may know by itself (MPEP), so it is
# not taken for a short form of something outside the knowledge base.
SYSTEMATIC_NAME = re.compile(r"^\S*\d\S*[-(,]\S*$|^\S*[-(,]\S*\d\S*$")
GROUP_SIZE = re.compile(r"\s*[,;]\s*[nN]\s*=")  # what follows a group's label: "(MT, n = 30)"
STATE_FILE = "state.msgpack"  # the file ConceptMatcher.to_disk writes into its folder: knowledge base and patterns
# Words after which a noun phrase ends: an alias matched only as a noun (alias rule noun_only)
# is a modifier when any other word, or a hyphen, follows it ("opioid therapy", "opioid-naive").
PHRASE_ENDS = frozenset("""
and or nor but in on at to from with without by for of as than that which who whom whose was were is are be been
being has have had do does did may might can could would should will shall not no its their his her the a an this
these those such after before during while whereas since until via into onto per vs versus among between within
across through against toward towards upon both either neither also only so then there when where whether if
""".split())

# Positional words that belong to the brain-region mention they precede.
REGION_MODIFIERS = frozenset("""
dorsal ventral medial lateral rostral caudal anterior posterior superior inferior central intermediate
dorsomedial dorsolateral ventromedial ventrolateral rostromedial rostrolateral caudomedial caudolateral
anteromedial anterolateral posteromedial posterolateral anterodorsal anteroventral posterodorsal
posteroventral mediodorsal laterodorsal mediolateral rostrocaudal dorsoventral deep superficial inner
outer upper lower middle
""".split())
# "X-like behavior", "X-related states": a symptom's mention takes in these words after it (guidelines, rule 1).
LIKE_WORDS = frozenset({"like", "related"})
LIKE_HEADS = frozenset("behavior behaviors behaviour behaviours state states response responses phenotype".split())
# The head words a neural system's mention takes in after it ("LC-NE complex"; _with_system_head).
SYSTEM_HEADS = frozenset({"system", "systems", "complex"})
NAMED_HEADS = frozenset("axis axes circuit circuits circuitry network networks pathway pathways loop loops".split())  # a head already there
# Words that make a disorder a measured dimension, a symptom ("depression scores"; guidelines v2.1).
MEASURE_WORDS = frozenset("score scores rating ratings symptom symptoms symptomatology".split())  # not "severity": "withdrawal severity"
# Laterality stays out of a brain-region mention (the annotation guidelines, rule 10).
LATERALITY = frozenset("left right bilateral unilateral ipsilateral contralateral".split())
# A capitalised word in the name of a rating scale or inventory is no mention ("Clinical Opiate
# Withdrawal Scale", "Beck Depression Inventory"): the words after it, up to the instrument.
INSTRUMENTS = frozenset("Scale Scales Inventory Questionnaire Checklist Index Interview".split())

if not Span.has_extension("concept_source"):
    Span.set_extension("concept_source", default=None)


class MissingAbbreviationDetector(ValueError):
    """The concept matcher needs scispaCy's abbreviation_detector earlier in the pipeline."""


@Language.factory(
    "concept_matcher",
    default_config={"kb_dir": None, "kb_extra": [], "extend_region_modifiers": True},
    requires=["doc._.abbreviations", "token.norm"],
    assigns=["doc.ents", "doc.spans", "span._.concept_source", "span._.long_form"],
)
def make_concept_matcher(
    nlp: Language, name: str, kb_dir: str | None, kb_extra: list[str], extend_region_modifiers: bool
) -> "ConceptMatcher":
    """The matcher over models/kb (or kb_dir) plus the user's extra files. The knowledge base is
    read, and its patterns built, when first needed; a pipeline loaded from disk or bytes
    (spacy.load, nlp.from_disk, nlp.from_bytes) takes both from there instead."""
    return ConceptMatcher(nlp, partial(load_kb, kb_dir or DEFAULT_KB_DIR, kb_extra), name, extend_region_modifiers)


def _in_instrument_name(doc: Doc, span: Span) -> bool:
    """Whether a capitalised mention is a word of an instrument's name ("Opiate Withdrawal Scale")."""
    if not span.text[:1].isupper():
        return False
    following = doc[span.end:span.end + 4]
    for token in following:
        if token.text in INSTRUMENTS:
            return True
        if not token.text[:1].isupper():
            return False
    return False


def _in_code_name(doc: Doc, end: int) -> bool:
    """Whether a short form ending at `end` is joined by a hyphen to a number after it, as part of a
    compound's code name: the OX2 of the antagonist "TCS-OX2-29" is no mention of the receptor."""
    return (end + 1 < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_
            and not doc[end].whitespace_ and doc[end + 1].text.isdigit())


def _is_group_label(doc: Doc, span: Span, text: str) -> bool:
    """Whether a short form names a group of subjects: "(MT, n = 30)", "(MT; n=30)"; `text` is
    the document's (sentences.doc_text)."""
    return (len(span) == 1 and span.start > 0 and doc[span.start - 1].text == "("
            and GROUP_SIZE.match(text, span.end_char) is not None)


class ConceptMatcher:
    """Sets doc.ents to knowledge-base concepts: label = concept type, kb_id_ = concept id.

    Its state, the knowledge base and the tokenized, resolved alias patterns, serialises with
    to_bytes/from_bytes and to_disk/from_disk (msgpack), so that a pipeline saved with
    nlp.to_disk, or sent to a worker with nlp.to_bytes, matches without tokenizing the
    tens of thousands of aliases again (several seconds).
    """

    def __init__(
        self, nlp: Language, kb: KnowledgeBase | Callable[[], KnowledgeBase], name: str = "concept_matcher",
        extend_region_modifiers: bool = True,
    ) -> None:
        if "abbreviation_detector" not in nlp.pipe_names:
            raise MissingAbbreviationDetector(
                "add scispaCy's abbreviation_detector before the concept_matcher: "
                "it tells what each document's short forms stand for"
            )
        self.name = name
        self.extend_region_modifiers = extend_region_modifiers
        self.vocab = nlp.vocab
        self._tokenizer = nlp.tokenizer
        self._kb, self._read_kb = (kb, None) if isinstance(kb, KnowledgeBase) else (None, kb)
        self._patterns: ResolvedPatterns | None = None
        self.synonyms: PhraseMatcher | None = None  # set by _compile
        self.abbreviations: PhraseMatcher | None = None
        self.if_defined: dict[str, set[str]] = {}
        self.sentence_initial_only: set[tuple[str, ...]] = set()
        self.concepts_named = lru_cache(maxsize=10_000)(self._concepts_named)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base, read when first needed."""
        if self._kb is None:
            self._kb = self._read_kb()
        return self._kb

    @property
    def patterns(self) -> ResolvedPatterns:
        """The alias patterns, tokenized with the pipeline's tokenizer and resolved, built when first needed."""
        if self._patterns is None:
            self._patterns = resolve_patterns(self.kb, tokenize_patterns(self.kb, self._tokenizer))
        return self._patterns

    def _compile(self) -> None:
        """Fill the PhraseMatchers from the patterns (each pattern by its key's hashes, as
        PhraseMatcher.add takes them), once."""
        if self.synonyms is not None:
            return
        strings = self.vocab.strings
        synonyms, abbreviations = PhraseMatcher(self.vocab, attr="NORM"), PhraseMatcher(self.vocab, attr="ORTH")
        for matcher, patterns in ((synonyms, self.patterns.synonyms), (abbreviations, self.patterns.abbreviations)):
            by_concept: dict[str, list[list[int]]] = {}
            for pattern in patterns:
                by_concept.setdefault(pattern.concept_id, []).append([strings.add(word) for word in pattern.key])
            for concept_id, keys in by_concept.items():
                matcher.add(concept_id, keys)
        if self.patterns.blocks:
            synonyms.add(BLOCKED, [[strings.add(word) for word in pattern.norm_key] for pattern in self.patterns.blocks])
        # the capitalised variants of short forms such as nor-BNI ("Nor-BNI"): at a sentence start only
        regular = {p.words for p in self.patterns.abbreviations if not sentence_initial(p.alias) or p.words[0][:1].islower()}
        self.sentence_initial_only = {p.words for p in self.patterns.abbreviations
                                      if sentence_initial(p.alias) and p.words[0][:1].isupper()} - regular
        self.if_defined = {}
        for concept in self.kb:
            for short in concept.abbreviations_if_defined:
                self.if_defined.setdefault(short, set()).add(concept.id)
        self.synonyms, self.abbreviations = synonyms, abbreviations

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The knowledge base and the patterns, as msgpack."""
        return srsly.msgpack_dumps({"kb": _kb_state(self.kb), "patterns": _patterns_state(self.patterns)})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "ConceptMatcher":
        """Take the knowledge base and the patterns from to_bytes's output."""
        state = srsly.msgpack_loads(data)
        self._kb, self._patterns = _kb_from_state(state["kb"]), _patterns_from_state(state["patterns"])
        self.synonyms = self.abbreviations = None
        self.concepts_named.cache_clear()
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the state into the folder `path` (STATE_FILE)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / STATE_FILE).write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "ConceptMatcher":
        """Read the state to_disk wrote into the folder `path`."""
        return self.from_bytes((Path(path) / STATE_FILE).read_bytes())

    def __call__(self, doc: Doc) -> Doc:
        self._compile()
        strings = self.vocab.strings
        spans, out_of_context = [], []
        for kind, matcher in ((SYNONYM, self.synonyms), (ABBREVIATION, self.abbreviations)):
            for match_id, start, end in matcher(doc):
                if any(doc[i].is_sent_start for i in range(start + 1, end)):
                    continue
                if kind == ABBREVIATION and _in_code_name(doc, end):
                    out_of_context.append(self._span(doc, start, end, strings[match_id]))
                    continue
                if kind == SYNONYM and end - start > 1 and doc[end - 1].text == "a":
                    # a letter-named concept ("orexin A", "protein kinase A") ends in the article
                    # when written in lower case: "hypocretin/orexin a large body of evidence"
                    out_of_context.append(self._span(doc, start, end, strings[match_id]))
                    continue
                if kind == ABBREVIATION and start and not doc[start].is_sent_start and \
                        tuple(t.text for t in doc[start:end]) in self.sentence_initial_only:
                    continue
                (spans if self._in_context(doc, kind, start, end) else out_of_context).append(self._span(doc, start, end, strings[match_id]))
        spans = filter_spans(spans)
        interrupted, defined_by_names = self._interrupted_names(doc, spans)
        defined, undefined = self._defined_abbreviations(doc, filter_spans(interrupted + spans))
        defined.update(defined_by_names)
        redefined = {*undefined, *defined}
        spans = [span for span in spans if span.text not in redefined and span.text.removesuffix("s") not in redefined]
        spans = interrupted + spans + self._abbreviation_spans(doc, defined, {(s.start, s.end) for s in interrupted})
        spans = filter_spans(spans)
        text = doc_text(doc)
        rejected = [span for span in spans if span.label_ == BLOCKED or _is_group_label(doc, span, text)]
        # a short form the document makes a group's label names that group wherever it recurs ("MOR rats")
        group_labels = {span.text for span in rejected if span.label_ != BLOCKED}
        rejected += [span for span in spans if span.text in group_labels and span not in rejected]
        spans = [span for span in spans if span not in rejected]
        spans = filter_spans(spans + conjunct_spans(doc, spans, self._concept_of_label, lambda s, e, c: self._span(doc, s, e, c)))
        spans = self._with_region_modifiers(doc, spans) if self.extend_region_modifiers else spans
        spans = [self._with_like_head(doc, span) for span in spans]
        spans = self._with_system_head(doc, spans)
        spans = self._as_measured_symptoms(doc, spans)
        excluded = {span for span in spans if self._follows_excluded(doc, span, spans) or self._is_modifier(doc, span) or _in_instrument_name(doc, span)}
        doc.ents = [span for span in spans if span not in excluded]
        doc.spans[REJECTED_SPANS_KEY] = sorted([*rejected, *excluded, *out_of_context], key=lambda span: (span.start, span.end))
        return doc

    def _concepts_named(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """The concepts that have an alias of exactly these words, in id order."""
        self._compile()
        doc = Doc(self.vocab, words=list(words))
        strings = self.vocab.strings
        return tuple(sorted({
            strings[match_id] for matcher in (self.synonyms, self.abbreviations) for match_id, start, end in matcher(doc)
            if start == 0 and end == len(doc) and strings[match_id] != BLOCKED
        }))

    def _concept_of_label(self, words: tuple[str, ...], label: str) -> str | None:
        """The first concept of this label with an alias of exactly these words, or None."""
        return next((concept_id for concept_id in self.concepts_named(words) if self.kb[concept_id].type == label), None)

    def _with_region_modifiers(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """Brain-region mentions widened over the positional words before them ("caudal dorsal
        hypothalamus", "lateral CeA"): the concept stays that of the region named, unless the
        knowledge base names the part those words make of it ("anterior PVT" is the anterior
        paraventricular nucleus of thalamus, as "anterior paraventricular nucleus of the
        thalamus" is); laterality words at their start are left out ("left putamen" is a
        mention of the putamen)."""
        taken = {i for span in spans for i in range(span.start, span.end)}
        widened = []
        for span in spans:
            if span.label_ != "BRAIN_REGION":
                widened.append(span)
                continue
            start, end, concept_id = span.start, span.end, span.kb_id_
            while start < end - 1 and doc[start].lower_ in LATERALITY:
                start += 1
                concept_id = self._concept_of_label(tuple(t.text for t in doc[start:end]), "BRAIN_REGION") or concept_id
            while start > 0 and start - 1 not in taken and doc[start - 1].lower_ in REGION_MODIFIERS:
                start -= 1
            if start < span.start:
                concept_id = self._part_named(tuple(t.text for t in doc[start:span.start]), concept_id) or concept_id
            if (start, concept_id) != (span.start, span.kb_id_):
                taken.update(range(start, span.start))
                span = self._reshaped(span, start, end, concept_id)
            widened.append(span)
        return widened

    def _part_named(self, modifiers: tuple[str, ...], concept_id: str) -> str | None:
        """The brain region named by positional words before a name of the region concept_id
        ("anterior" + "paraventricular nucleus of thalamus"), or None."""
        concept = self.kb[concept_id]
        return next(filter(None, (self._concept_of_label((*modifiers, *alias.split()), "BRAIN_REGION")
                                  for alias in (concept.name, *concept.synonyms))), None)

    def _with_like_head(self, doc: Doc, span: Span) -> Span:
        """A symptom mention widened over "-like behavior" or "-related states" after it ("irritability-like behavior")."""
        after = doc[span.end:span.end + 3]
        if span.label_ != "SYMPTOM" or len(after) < 3 or after[0].text != "-" or after[1].lower_ not in LIKE_WORDS or after[2].lower_ not in LIKE_HEADS:
            return span
        return self._reshaped(span, span.start, span.end + 3, span.kb_id_)

    def _with_system_head(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """A neural-system mention named without its head widened over it, and over one word
        before it: "LC-NE complex", "LC-NE inhibitory system" (guidelines, rule 1: the longest span
        that names the concept). The concept stays that of the mention."""
        taken = {i for span in spans for i in range(span.start, span.end)}
        widened = []
        for span in spans:
            if span.label_ == "NEURAL_SYSTEM" and span[-1].lower_ not in SYSTEM_HEADS | NAMED_HEADS:
                for end in (span.end + 1, span.end + 2):
                    words = doc[span.end:end]
                    if (end > len(doc) or words[-1].lower_ not in SYSTEM_HEADS or any(i in taken for i in range(span.end, end))
                            or any(t.is_sent_start or not t.is_alpha or not t.is_lower for t in words)):
                        continue
                    span = self._reshaped(span, span.start, end, span.kb_id_)
                    break
            widened.append(span)
        return widened

    def _as_measured_symptoms(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """A disorder measured as a dimension is the symptom ("depression scores", "depression and
        anxiety symptoms": guidelines v2.1, anxiety and depression): a DISORDER mention followed by a
        word of measurement (MEASURE_WORDS), directly or after a coordinated mention, becomes the
        SYMPTOM its name with "symptoms" names (depression symptoms: depressed mood), if any."""
        out = []
        for i, span in enumerate(spans):
            if span.label_ == "DISORDER" and self._measured(doc, span, spans[i + 1:i + 2]):
                symptom = self._concept_of_label((*(t.text for t in span), "symptoms"), "SYMPTOM")
                if symptom is not None:
                    span = self._reshaped(span, span.start, span.end, symptom)
            out.append(span)
        return out

    @staticmethod
    def _measured(doc: Doc, span: Span, following: list[Span]) -> bool:
        """Whether a word of measurement follows the span, directly or after "and"/"or"/a comma and
        the next mention (which may end with that word: "anxiety symptoms")."""
        if span.end < len(doc) and doc[span.end].lower_ in MEASURE_WORDS:
            return True
        if not following or span.end >= len(doc) or doc[span.end].lower_ not in ("and", "or", ",", "/"):
            return False
        other = following[0]
        return other.start == span.end + 1 and (doc[other.end - 1].lower_ in MEASURE_WORDS
                                                 or (other.end < len(doc) and doc[other.end].lower_ in MEASURE_WORDS))

    def _in_context(self, doc: Doc, kind: str, start: int, end: int) -> bool:
        """False for an alias that needs a context word its sentence lacks (alias rules)."""
        tokens = doc[start:end]
        context = self.patterns.context.get((kind, self._key(kind, tokens)))
        return context is None or any(token.norm_ in context for token in tokens.sent)

    def _follows_excluded(self, doc: Doc, span: Span, spans: list[Span]) -> bool:
        """Whether a mention's alias may not follow the word or mention before it (alias rule not_after)."""
        excluded = self.patterns.not_after.get(self._key(SYNONYM, span)) if span.start else None
        if not excluded:
            return False
        return doc[span.start - 1].norm_ in excluded or any(other.end == span.start and other.label_ in excluded for other in spans)

    def _is_modifier(self, doc: Doc, span: Span) -> bool:
        """Whether a noun-only alias modifies the word after it ("opioid therapy"; alias rule noun_only)."""
        if span.end == len(doc) or self._key(SYNONYM, span) not in self.patterns.noun_only or span[-1].lower_.endswith("s"):
            return False
        following = doc[span.end]
        return following.text == "-" or (following.is_alpha and following.lower_ not in PHRASE_ENDS and not following.is_sent_start)

    @staticmethod
    def _key(kind: str, tokens: Span) -> tuple[str, ...]:
        return tuple(t.norm_ if kind == SYNONYM else t.text for t in tokens)

    def _span(self, doc: Doc, start: int, end: int, concept_id: str) -> Span:
        label = self.kb[concept_id].type if concept_id != BLOCKED else BLOCKED
        span = Span(doc, start, end, label=label, kb_id=concept_id)
        span._.concept_source = SOURCE_LEXICON
        return span

    def _reshaped(self, span: Span, start: int, end: int, concept_id: str) -> Span:
        """The mention `span` as one of `concept_id` from start to end, its long form kept."""
        long_form = span._.long_form  # read first: a span's extension values are stored by its offsets
        reshaped = self._span(span.doc, start, end, concept_id)
        reshaped._.long_form = long_form
        return reshaped

    def _interrupted_names(self, doc: Doc, spans: list[Span]) -> tuple[list[Span], dict[str, tuple[str, Span]]]:
        """Names interrupted by their short form, "hypothalamic–pituitary–adrenal (HPA) axis" or,
        inside parentheses, "(i.e., the hypothalamic-pituitary-adrenal [HPA] axis)": spans
        of the whole name's concept for the part before the parenthesis or bracket and for the
        short form, and the short form's meaning in the rest of the document ({short: (concept
        id, long form)}): the concept of the part before the parenthesis when it names one
        ("kappa opioid receptor (KOR) system": KOR is the receptor elsewhere), else the whole name's."""
        found, defined = [], {}
        named = {(span.start, span.end): span for span in spans}
        pairs = {(short._.long_form.start, short._.long_form.end, short.start, short.end): [(short._.long_form, short)]
                 for short in doc._.abbreviations if short._.long_form.end + 1 == short.start}
        for span in spans:  # "κ-opioid receptor (KOR)": a pair the detector misses (Greek letters), known to the knowledge base
            twin = named.get((span.end + 1, span.end + 2))
            if twin is not None and twin.kb_id_ == span.kb_id_ and doc[span.end].text == "(":
                pairs.setdefault((span.start, span.end, twin.start, twin.end), [(doc[span.start:span.end], doc[twin.start:twin.end])])
        # "[HPA]", which scispaCy's detector does not read: long forms of every length before it, longest first
        for i in numpy.flatnonzero(doc.to_array(ORTH) == self.vocab.strings["["]).tolist():
            if i + 2 < len(doc) and doc[i + 2].text == "]" and is_short_form(doc[i + 1].text):
                short = doc[i + 1:i + 2]
                pairs[(i, i, short.start, short.end)] = [
                    (doc[start:i], short) for start in range(max(0, i - MAX_BRACKETED_LONG_FORM), i)
                    if not any(t.is_sent_start for t in doc[start + 1:i + 1])
                ]
        for candidates in pairs.values():
            for long_form, short in candidates:
                if self._interrupted_name(doc, long_form, short, named, found, defined):
                    break
        return found, defined

    def _interrupted_name(self, doc: Doc, long_form: Span, short: Span, named: dict, found: list[Span], defined: dict) -> bool:
        """Whether long_form, short form and the words after its closing parenthesis or bracket
        name a concept; its spans go into found and the short form's meaning into defined."""
        if short.end >= len(doc) or doc[short.end].text != CLOSING.get(doc[short.start - 1].text):
            return False
        # the name may begin before the long form, with a name joined by a slash ("dynorphin/kappa opioid receptor (KOR) system")
        starts = [long_form.start - 2] if long_form.start >= 2 and doc[long_form.start - 1].text == "/" else []
        for start, length in ((start, length) for start in [*starts, long_form.start] for length in range(MAX_INTERRUPTED_HEAD, 0, -1)):
            head = doc[short.end + 1:short.end + 1 + length]
            if len(head) != length or any(t.is_sent_start or t.is_punct for t in head):
                continue
            words = [t.text for t in doc[start:long_form.end]]
            concept_id = next(iter(self.concepts_named(tuple(words + [t.text for t in head]))), None)
            if concept_id is None:
                continue
            found.append(self._span(doc, start, long_form.end, concept_id))
            found.append(self._span(doc, short.start, short.end, concept_id))
            found[-1]._.long_form = long_form
            own = named.get((long_form.start, long_form.end))
            defined.setdefault(short.text, (own.kb_id_ if own is not None else concept_id, long_form))
            return True
        return False

    def _defined_abbreviations(self, doc: Doc, spans: list[Span]) -> tuple[dict[str, tuple[str, Span]], set[str]]:
        """Short forms the document defines: {short: (concept id, long form)}, and those it
        defines as something outside the knowledge base."""
        by_end = {span.end: span for span in spans if span.label_ != BLOCKED}
        defined: dict[str, tuple[str, Span]] = {}
        undefined: set[str] = set()
        for short in doc._.abbreviations:
            long_form = short._.long_form
            concept = by_end.get(long_form.end)
            if concept is not None and concept.start >= long_form.start:
                defined.setdefault(short.text, (concept.kb_id_, long_form))
            elif concept is not None and concept.label_ != BLOCKED:
                # the mention overruns the detector's long form to the left ("neuronal [nicotinic
                # acetylcholine receptors] (nAChRs)", "hypothalamic [paraventricular nucleus] (PVN)"):
                # the short form means the long form's own concept if it names one, else the mention's
                own = self.concepts_named(tuple(t.text for t in long_form))
                defined.setdefault(short.text, (own[0] if len(own) == 1 else concept.kb_id_, long_form))
            elif short.text not in defined and not SYSTEMATIC_NAME.search(long_form.text):
                undefined.add(short.text)  # a systematic name the knowledge base lacks leaves its code name be ("(MPEP)")
        # "nucleus locus coeruleus (LC)" where the detector found no pair, or a pair whose long
        # form the concept overruns ("locus coeruleus"): trust the knowledge base; the
        # detector's long form, if any, stays the long form.
        detected = {short.text: short._.long_form for short in doc._.abbreviations}
        for span in spans:
            if span.end + 2 < len(doc) and doc[span.end].text == "(" and doc[span.end + 2].text in (")", ",", ";"):
                short = doc[span.end + 1].text
                if span.kb_id_ in self.if_defined.get(short, ()) and short not in defined:
                    long_form = detected.get(short)
                    defined[short] = (span.kb_id_, long_form if long_form is not None and long_form.end == span.end else span)
                    undefined.discard(short)
        return defined, undefined - set(defined)

    def _abbreviation_spans(self, doc: Doc, defined: dict[str, tuple[str, Span]], fixed: set[tuple[int, int]]) -> list[Span]:
        """A span for every occurrence of each defined short form, and of its plural ("KORs"),
        found on the ORTH array; `fixed` spans (the short form inside an interrupted name) are
        kept as they are."""
        if not defined:
            return []
        by_orth = {self.vocab.strings.add(written): value for short, value in defined.items() for written in (short, short + "s")}
        orths = doc.to_array(ORTH)
        spans = []
        for i in numpy.flatnonzero(numpy.isin(orths, list(by_orth))):
            if (int(i), int(i) + 1) in fixed:
                continue
            concept_id, long_form = by_orth[orths[i]]
            span = self._span(doc, int(i), int(i) + 1, concept_id)
            span._.long_form = long_form
            spans.append(span)
        return spans


def _kb_state(kb: KnowledgeBase) -> dict:
    """A knowledge base as msgpack-able lists (every dataclass as the tuple of its fields)."""
    return {
        "concepts": [astuple(concept) for concept in kb], "origins": kb.origins,
        "alias_rules": [astuple(rule) for rule in kb.alias_rules], "region_level": kb.region_level,
        "resolutions": [astuple(resolution) for resolution in kb.resolutions], "version": kb.version,
    }


def _fields(values: list) -> list:
    """Field values read back from msgpack: lists are the dataclasses' tuples again."""
    return [tuple(value) if isinstance(value, list) else value for value in values]


def _kb_from_state(state: dict) -> KnowledgeBase:
    concepts = [Concept(*_fields(values)) for values in state["concepts"]]
    return KnowledgeBase(
        {concept.id: concept for concept in concepts}, state["origins"], [AliasRule(*_fields(v)) for v in state["alias_rules"]],
        state["region_level"], [Resolution(*_fields(v)) for v in state["resolutions"]], state["version"],
    )


def _patterns_state(patterns: ResolvedPatterns) -> dict:
    """Resolved patterns as msgpack-able lists, in their order (which the matchers are filled in)."""
    return {
        "synonyms": [astuple(p) for p in patterns.synonyms], "abbreviations": [astuple(p) for p in patterns.abbreviations],
        "blocks": [astuple(p) for p in patterns.blocks],
        "context": [[kind, key, sorted(words)] for (kind, key), words in patterns.context.items()],
        "not_after": [[key, sorted(words)] for key, words in patterns.not_after.items()],
        "noun_only": sorted(patterns.noun_only), "collisions": [astuple(c) for c in patterns.collisions],
    }


def _patterns_from_state(state: dict) -> ResolvedPatterns:
    def pattern_list(rows: list) -> list[Pattern]:
        return [Pattern(*_fields(row)) for row in rows]

    return ResolvedPatterns(
        pattern_list(state["synonyms"]), pattern_list(state["abbreviations"]),
        {(kind, tuple(key)): frozenset(words) for kind, key, words in state["context"]},
        {tuple(key): frozenset(words) for key, words in state["not_after"]},
        {tuple(key) for key in state["noun_only"]}, pattern_list(state["blocks"]),
        [Collision(*_fields(row)) for row in state["collisions"]],
    )
