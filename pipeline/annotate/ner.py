"""The trained NER (models/ner) and how its entities combine with the concept matcher's.

`build_nlp(ner=True)` runs, after the concept matcher:

- `lexicon_spans`: moves the concept matcher's entities to doc.spans["lexicon"] and
  clears doc.ents (as *missing*, so the NER is free to predict anywhere); it also writes
  each matched token's lexicon tag (B-<label> on the first token, I-<label> on the
  others) into token.tag_, which no other component uses: the NER's tok2vec embeds
  TAG among its features, so the network sees what the knowledge base matched;
- `ner`: spaCy's own entity recognizer, sourced from the pipeline `make train` writes
  to models/ner (config models/ner.cfg), which sets doc.ents with three labels:
  BRAIN_REGION, and CHEMICAL and DISEASE, which are no concept types: the merger types
  them by linking (below);
- `entity_merger`: merges the NER's entities with the lexicon's by one of MERGE_POLICIES:
  - ``ner_decides`` (the default, chosen on WhiteText dev, AnatEM and the gold corpus,
    see reports/eval.md): for the concept types the NER was trained on (BRAIN_REGION),
    the NER, which has read the lexicon's tags, decides what is a mention. Its spans are kept,
    replacing the lexicon entity they overlap ("lateral part of the parabrachial
    nucleus" over "parabrachial nucleus"), except where the lexicon has an entity of
    another label there ("mesolimbic" in "mesolimbic dopamine system"), several
    entities joined by "and", "or" or a comma (a coordination, "insula and nucleus
    accumbens", is one mention in WhiteText, two in the project's guidelines; "striatal
    part of the olfactory tubercle" is one region in both) or one longer entity of the
    same label ("nucleus accumbens shell" over "nucleus accumbens"). A lexicon entity
    of those labels that no NER span touches is dropped (the NER saw its tag and left
    it out: "dorsal root ganglia" is no brain region in WhiteText), unless it holds a
    short form ("BLA", "NAc shell"): WhiteText, the NER's training corpus, annotates
    almost no short forms, so the NER never learnt them, and the project annotates
    every one; or unless "and" or "or" joins it to a kept entity of its label ("shell"
    in "NAc core and shell" where the NER took "NAc core": a conjunct of the concept
    matcher, coordination.py). The lexicon's drugs, neurochemicals, disorders and symptoms are never
    dropped: they follow the project's guidelines, which BC5CDR does not (drug classes,
    peptides, behaviours; dropping those the NER leaves out: BC5CDR devel +0.01, gold
    corpus -0.03 strict F1). A CHEMICAL or DISEASE span is kept by the same rules as a
    brain-region span, with its types (a DRUG or NEUROCHEMICAL for a CHEMICAL, a
    DISORDER or SYMPTOM for a DISEASE: linking.LINK_TYPES) as its label: it may widen one
    lexicon entity of its types ("cocaine hydrochloride" over "cocaine"; keeping the
    lexicon's boundaries instead: BC5CDR devel -0.006, NCBI disease -0.004, gold +0.001);
  - ``longest``: an NER span replaces the lexicon entity it overlaps when that is a
    single entity of the same label and shorter; an NER span that overlaps an entity of
    another label, or several, or a longer one, gives way to the lexicon;
  - ``ner_first``: every NER span is kept, and lexicon entities that overlap none are added;
  - ``lexicon_first``: every lexicon entity is kept, NER spans that overlap none are added.

An NER span with exactly a lexicon entity's boundaries becomes that entity (label,
concept, source "lexicon"). Other kept NER spans have source "ner"; their concept id
comes from the linker (linking.py) when one is given. One the linker cannot place that
widens a single lexicon entity of its types takes that entity's concept: "dorsolateral
BNST" is a mention of the BNST, as the concept matcher makes "contralateral dorsal
hypothalamus" one of the hypothalamus. The others stay unlinked (NC:unlinked:...), except
a brain region that is a short form alone ("TP", "NSCs"; outside neuroscience the NER
takes such tokens for regions): it names nothing known, and is dropped.
A linked span takes its concept's type (a CHEMICAL linked to dopamine is a
NEUROCHEMICAL, a BRAIN_REGION span "limbic" linked to the limbic system keeps that
concept's type); an unlinked CHEMICAL is a DRUG, an unlinked DISEASE a DISORDER
(linking.UNLINKED_TYPE). Three senses of a DISEASE span are dropped: author initials after a
surname ("Kleber HD"), spans of generic words only ("chronic disorder", linked or not), and,
unlinked, a short form the knowledge base gives a concept of another type that the document
does not define ("the HPA response"). Then, over the whole document:

- repeat_names: a name the NER found once is found wherever the document repeats it
  (measured on BC5CDR devel: recall +0.7 points, precision -0.3);
- follow_long_forms: short forms take the entity of their long form ("atrial
  fibrillation (AF)" makes every "AF" a DISORDER), and an NER span on a short form
  whose long form is no entity is dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from pipeline.annotate.abbreviations import is_short_form
from pipeline.annotate.concept_matcher import LATERALITY, REJECTED_SPANS_KEY
from pipeline.annotate.coordination import CLAUSE_COORDINATORS, COORDINATORS
from pipeline.annotate.linking import LEXICON_SPANS_KEY, THRESHOLD, Linker, is_linked, link_types, linking_form, unlinked_ids, unlinked_type
from pipeline.resources import MODELS_DIR

NER_MODEL_DIR = MODELS_DIR / "ner"
# models/ner also holds the components that feed the NER during training (config
# models/ner.cfg); build_nlp() adds its own, so only the NER itself is taken from there.
# It has no tokenizer (built from the config's registered one) and no vocabulary files
# (scripts/train_ner.py leaves them out).
NER_MODEL_EXCLUDE = ["tokenizer", "vocab", "pysbd_rule_sentencizer", "abbreviation_detector", "concept_matcher", "lexicon_spans"]
SOURCE_NER = "ner"
MERGE_POLICIES = ("ner_decides", "longest", "ner_first", "lexicon_first")
DEFAULT_POLICY = "ner_decides"
# NER labels whose concept types the lexicon governs (DRUG, NEUROCHEMICAL, DISORDER, SYMPTOM): their
# spans fill the gaps between lexicon entities and rejected matches, and unlinked ones must look
# like a specific name (names_a_specific).
GAP_FILLING_LABELS = frozenset({"CHEMICAL", "DISEASE"})
# Chemicals that are no drugs by the guidelines (DRUG, "not annotated: vehicle, saline, placebo, sucrose"):
# vehicles, solvents, nutrients, ions and elements of physiology, and words for a class of chemical,
# as whole names (singular; a plural "s" is dropped), so that "folic acid" and "calcium chloride" stay.
NON_DRUG_CHEMICAL_TEXT = """
vehicle|saline|placebo|water|sucrose|glucose|fructose|dextrose|saccharin|sugar|salt|sodium|potassium|calcium|
magnesium|chloride|bicarbonate|phosphate|oxygen|nitrogen|hydrogen|carbon dioxide|dmso|dimethyl sulfoxide|
amino acid|polyamine|protein|lipid|fat|cholesterol|iron|zinc|copper|electrolyte|buffer|medium|formalin|
paraformaldehyde|agonist|antagonist|inhibitor|blocker|ligand|drug|compound|agent|medication|treatment
"""
NON_DRUG_CHEMICALS = frozenset(name.strip() for name in NON_DRUG_CHEMICAL_TEXT.split("|"))
# One-word diseases the guidelines do not annotate: adjectives, and processes that are no diagnosis.
ADJECTIVE_SUFFIXES = ("ic", "ive", "ian", "ed", "al", "ous", "oid")
NON_DISEASE_WORDS = frozenset("""trauma inflammation death damage injury lesion stress infection toxicity dysfunction
impairment deficit abnormality disturbance von meta-analysis analysis review trial study survey cohort""".split())
# Words that alone make no diagnosis (guidelines, rule 6: generic words alone are not annotated):
# a DISEASE span of only these ("chronic disorder", "psychiatric illness") is dropped, linked or not.
GENERIC_DISEASE_WORDS = frozenset("""chronic acute relapsing remitting progressive severe mild debilitating disabling
complex common comorbid co-occurring related mental psychiatric neuropsychiatric neurological neurologic medical
clinical physical brain disorder disease condition illness syndrome problem""".split())
AUTHOR_INITIALS = re.compile(r"[A-Z]{1,3}")  # "Kleber HD", "Koob GF": a surname and its initials
CONJUNCTS = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")  # what joins the conjuncts of a coordination
EDGE_PUNCTUATION = frozenset({",", ";", ":", ".", "-"})
# Words no name starts or ends with: articles ("insula and the"; as written: "A" ends "hemophilia A",
# starts "A-T") and "of", which trimming an article may leave ("insula of the").
EDGE_WORDS = frozenset({"the", "The", "a", "an", "of"})
MIN_REPEATED_CHARS = 3  # shorter NER names are not repeated through the document (repeat_names)


class UnknownMergePolicy(ValueError):
    """The entity_merger's policy must be one of MERGE_POLICIES."""


def ner_model_available(model_dir: str | Path = NER_MODEL_DIR) -> bool:
    """Whether a trained NER pipeline is present (`make train` writes one)."""
    return (Path(model_dir) / "ner" / "model").is_file()


@Language.component("lexicon_spans", requires=["doc.ents"], assigns=["doc.spans", "token.tag"])
def lexicon_spans(doc: Doc) -> Doc:
    """Keep the lexicon's entities in doc.spans["lexicon"], tag their tokens, leave doc.ents to the NER."""
    for span in doc.ents:
        for token in span:
            token.tag_ = ("B-" if token.i == span.start else "I-") + span.label_
    doc.spans[LEXICON_SPANS_KEY] = list(doc.ents)
    doc.set_ents([], default="missing")
    return doc


def _by_token(spans: Iterable[Span]) -> dict[int, Span]:
    """Each token index covered by one of the (non-overlapping) spans, and that span."""
    return {i: span for span in spans for i in range(span.start, span.end)}


def _coordinates(span: Span, entities: list[Span]) -> bool:
    """Whether span joins the entities by a coordinating word or comma outside them ("insula and nucleus accumbens")."""
    inside = {i for entity in entities for i in range(entity.start, entity.end)}
    return any(token.lower_ in COORDINATORS for token in span if token.i not in inside)


def _overlapped(span: Span, by_token: dict[int, Span]) -> list[Span]:
    """The spans of by_token that share a token with span, in text order."""
    return list(dict.fromkeys(by_token[i] for i in range(span.start, span.end) if i in by_token))


@Language.factory(
    "entity_merger",
    default_config={"policy": DEFAULT_POLICY, "ner_labels": [], "link": True, "threshold": THRESHOLD},
    requires=["doc.ents", "doc.spans"],
    assigns=["doc.ents", "span._.concept_source"],
)
def make_entity_merger(nlp: Language, name: str, policy: str, ner_labels: list[str], link: bool, threshold: float) -> "EntityMerger":
    """Merge the NER's entities with the lexicon's (doc.spans["lexicon"]); link the NER's own
    spans to the concept matcher's knowledge base (or leave them all unlinked).

    ner_labels are the labels the NER predicts. They are in the config, not read from the
    ner component, because a pipeline rebuilt from its config (a worker process) creates
    this component before the NER's weights and labels are loaded."""
    kb = nlp.get_pipe("concept_matcher").kb
    linker = Linker(kb, threshold) if link else unlinked_ids
    never = {linking_form(rule.alias) for rule in kb.alias_rules if rule.rule == "never"}
    # short forms the knowledge base is sure of (matched everywhere), and the few curated ambiguous
    # ones outside brain regions (HPA); the atlases' thousands of region acronyms (TD, ND) are left out
    short_types: dict[str, set[str]] = {}
    for concept in kb:
        shorts = (*concept.abbreviations, *(concept.abbreviations_if_defined if concept.type != "BRAIN_REGION" else ()))
        for short in shorts:
            short_types.setdefault(short, set()).add(concept.type)
    return EntityMerger(policy, name=name, link=linker, ner_labels=ner_labels, concept_types={concept.id: concept.type for concept in kb},
                        never=never, short_types=short_types)


class EntityMerger:
    """Sets doc.ents to the merge of the NER's and the lexicon's entities (see the module docstring)."""

    def __init__(
        self, policy: str = DEFAULT_POLICY, name: str = "entity_merger",
        link: Callable[[list[Span]], list[str]] = unlinked_ids, ner_labels: Iterable[str] = (),
        concept_types: Mapping[str, str] | None = None, repeat: bool = True, never: Iterable[str] = (),
        short_types: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        if policy not in MERGE_POLICIES:
            raise UnknownMergePolicy(f"unknown merge policy {policy!r}: use one of {', '.join(MERGE_POLICIES)}")
        self.name = name
        self.policy = policy
        self.link = link
        self.ner_labels = frozenset(ner_labels)  # the labels the NER predicts (ner_decides)
        self.concept_types = concept_types or {}  # concept id -> type, to type linked NER spans
        self.repeat = repeat
        self.never = frozenset(never)  # linking forms of the aliases `never` alias rules take from concepts
        # short form -> the types of the concepts the knowledge base gives it ("HPA": NEURAL_SYSTEM)
        self.short_types = {short: frozenset(types) for short, types in (short_types or {}).items()}

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Merge each Doc; the NER's own spans of a whole batch are linked in one call."""
        for batch in minibatch(docs, batch_size):
            kept = [self._merged(doc) for doc in batch]
            # A span's extension values are stored by its offsets, so an NER span can read a
            # stale concept_source; the lexicon's own spans are told by their boundaries.
            from_lexicon = [{(span.start, span.end) for span in doc.spans.get(LEXICON_SPANS_KEY, ())} for doc in batch]
            new = [span for spans, lexicon in zip(kept, from_lexicon) for span in spans if (span.start, span.end) not in lexicon]
            concept_ids = iter(self.link(new))
            for doc, spans, lexicon in zip(batch, kept, from_lexicon):
                spans = [span if (span.start, span.end) in lexicon else self._ner_span(span, next(concept_ids)) for span in spans]
                spans = [span for span in spans if span is not None]
                doc.ents = follow_long_forms(doc, repeat_names(doc, spans) if self.repeat else spans)
                yield doc

    @staticmethod
    def _widened_concept(span: Span, concept_id: str) -> str:
        """concept_id, or, when it is unlinked, the concept of the one lexicon entity of the
        span's types inside it (see the module docstring)."""
        if is_linked(concept_id):
            return concept_id
        types = link_types(span.label_)
        inside = [entity for entity in span.doc.spans.get(LEXICON_SPANS_KEY, ())
                  if entity.label_ in types and span.start <= entity.start and entity.end <= span.end]
        return inside[0].kb_id_ if len(inside) == 1 else concept_id

    def _merged(self, doc: Doc) -> list[Span]:
        """The spans the policy keeps, in text order; an NER span with a lexicon twin is the twin."""
        lexicon = list(doc.spans[LEXICON_SPANS_KEY]) if LEXICON_SPANS_KEY in doc.spans else []
        ner = [trimmed for span in doc.ents if (trimmed := _trimmed(span, lexicon, doc.spans.get(REJECTED_SPANS_KEY, ()))) is not None]
        ner_tokens, lexicon_tokens = _by_token(ner), _by_token(lexicon)
        if self.policy == "ner_decides":
            merged = self._ner_decides(ner, lexicon, ner_tokens, list(doc.spans.get(REJECTED_SPANS_KEY, ())))
        elif self.policy == "ner_first":
            merged = ner + [span for span in lexicon if not _overlapped(span, ner_tokens)]
        elif self.policy == "lexicon_first":
            merged = lexicon + [span for span in ner if not _overlapped(span, lexicon_tokens)]
        else:
            merged = list(lexicon)
            for span in ner:
                overlapped = _overlapped(span, lexicon_tokens)
                if not overlapped:
                    merged.append(span)
                elif len(overlapped) == 1 and overlapped[0].label == span.label and len(overlapped[0]) < len(span):
                    merged.remove(overlapped[0])
                    merged.append(span)
        by_boundaries = {(span.start, span.end): span for span in lexicon}
        return sorted((by_boundaries.get((span.start, span.end), span) for span in merged), key=lambda span: span.start)

    def _ner_decides(self, ner: list[Span], lexicon: list[Span], ner_tokens: dict[int, Span], rejected: list[Span]) -> list[Span]:
        """The ``ner_decides`` policy (see the module docstring)."""
        merged = [
            span for span in lexicon
            if span.label_ not in self.ner_labels or _overlapped(span, ner_tokens) or any(is_short_form(token.text) for token in span)
        ]
        kept_tokens = _by_token(merged)
        rejected_tokens = _by_token(rejected)
        for span in ner:
            overlapped = _overlapped(span, kept_tokens)
            if span.label_ in GAP_FILLING_LABELS and (overlapped or _overlapped(span, rejected_tokens)):
                continue  # the lexicon decides where it matched, and where its rules rejected a match
            types = link_types(span.label_)
            gives_way = (
                any(other.label_ not in types for other in overlapped)         # an entity of another type
                or (len(overlapped) == 1 and len(overlapped[0]) > len(span))    # a longer entity
                or (len(overlapped) > 1 and _coordinates(span, overlapped))     # a coordination of entities
            )
            if gives_way:
                continue
            for other in overlapped:
                merged.remove(other)
            merged.append(span)
        return merged + _coordinated_with(lexicon, merged, self.ner_labels)

    def _ner_span(self, span: Span, concept_id: str) -> Span | None:
        """The kept NER span with its concept, typed by it (see the module docstring); None
        for an unlinked chemical or disease that does not look like a specific name."""
        concept_id = self._widened_concept(span, concept_id)
        if span.label_ == "DISEASE" and (only_generic_words(span.text) or is_author_initials(span)):
            return None
        if (span.label_ == "DISEASE" and not is_linked(concept_id) and self.short_types.get(span.text, frozenset()) - {"DISORDER", "SYMPTOM"}
                and span.text not in {short.text for short in getattr(span.doc._, "abbreviations", ())}):
            return None  # a short form the knowledge base knows as a concept of another type ("the HPA response"), undefined here
        if not is_linked(concept_id) and (linking_form(span.text) in self.never or _is_unknown_short_form(span) or (
                span.label_ in GAP_FILLING_LABELS and not names_a_specific(span.label_, span.text))):
            return None
        label = self.concept_types.get(concept_id) if is_linked(concept_id) else None
        span = Span(span.doc, span.start, span.end, label=label or unlinked_type(span.label_), kb_id=concept_id)
        span._.concept_source = SOURCE_NER
        return span


def _coordinated_with(lexicon: list[Span], kept: list[Span], labels: frozenset[str]) -> list[Span]:
    """The lexicon entities of the NER's labels, left out, that a coordinator joins to a kept
    entity of their label ("shell" in "NAc core and shell", where the NER took "NAc core"):
    a conjunct stands or falls with what it is coordinated with."""
    kept_tokens = _by_token(kept)
    ends = {span.end: span.label for span in kept}
    starts = {span.start: span.label for span in kept}
    return [
        span for span in lexicon
        if span.label_ in labels and not _overlapped(span, kept_tokens) and span.start >= 2 and span.end < len(span.doc)
        and (ends.get(span.start - 1) == span.label and span.doc[span.start - 1].lower_ in CLAUSE_COORDINATORS
             or starts.get(span.end + 1) == span.label and span.doc[span.end].lower_ in CLAUSE_COORDINATORS)
    ]


def _trimmed(span: Span, lexicon: list[Span], rejected: Iterable[Span]) -> Span | None:
    """An NER span without what the guidelines leave out at its edges: articles and "of", laterality ("left
    amygdala"), coordinators and punctuation ("insula and"), and words that a lexicon entity of
    another type, or a match the lexicon's rules rejected, holds ("anterior insula
    hyperactivity"); None when nothing is left, or when its last word is a match of its own
    types that the lexicon's rules rejected (the "cortex" of "adrenal cortex": another sense)."""
    doc, types = span.doc, link_types(span.label_)
    if any(other.start < span.end <= other.end and other.label_ in types for other in rejected):
        return None
    foreign = {i for other in lexicon if other.label_ not in types for i in range(other.start, other.end)}
    foreign.update(i for other in rejected for i in range(other.start, other.end))

    def edge(i: int) -> bool:
        token = doc[i]
        return (i in foreign or token.lower_ in LATERALITY or token.lower_ in COORDINATORS or token.text in EDGE_PUNCTUATION
                or token.text in EDGE_WORDS)

    start, end = span.start, span.end
    while start < end and edge(start):
        start += 1
    while end > start and edge(end - 1):
        end -= 1
    if start == end:
        return None
    return span if (start, end) == (span.start, span.end) else Span(doc, start, end, label=span.label)


def _is_unknown_short_form(span: Span) -> bool:
    """Whether an unlinked BRAIN_REGION span is one short form alone ("TP", "NSCs"): what it
    stands for is nowhere, since a short form the document defines takes its long form's
    entity (follow_long_forms). Outside neuroscience the NER takes such tokens for brain
    regions (AnatEM devel). Chemicals and diseases keep theirs ("MPTP", "IDDM"), which are
    mostly right."""
    return span.label_ == "BRAIN_REGION" and len(span) == 1 and is_short_form(span.text.removesuffix("s"))


def names_a_specific(label: str, text: str) -> bool:
    """Whether an unlinked CHEMICAL names a drug or compound, not a nutrient, ion, solvent or
    vehicle the guidelines leave out ("sucrose", "potassium", "saline"; NON_DRUG_CHEMICALS),
    and an unlinked DISEASE a disease, not an adjective ("traumatic", "hypertensive") or a
    process the guidelines do not annotate ("trauma", "inflammation"; NON_DISEASE_WORDS).
    A coordination names one if a conjunct does: "diabetic and epileptic" does not."""
    conjuncts = CONJUNCTS.split(text)
    if len(conjuncts) > 1:
        return any(names_a_specific(label, conjunct) for conjunct in conjuncts if conjunct)
    words = text.lower().split()
    if not words:
        return False
    if label == "CHEMICAL":
        return " ".join(words).removesuffix("s") not in NON_DRUG_CHEMICALS
    adjective = words[0].endswith(ADJECTIVE_SUFFIXES) or (words[0].endswith("thy") and not words[0].endswith("pathy"))  # lengthy
    return len(words) > 1 or not (adjective or words[0] in NON_DISEASE_WORDS
                                  or words[0].removesuffix("s") in NON_DISEASE_WORDS)


def only_generic_words(text: str) -> bool:
    """Whether a disease span is made of words that name no diagnosis ("chronic disorder",
    "psychiatric illnesses"): GENERIC_DISEASE_WORDS, plurals included."""
    words = text.lower().replace("-", " ").split()
    return bool(words) and all(word in GENERIC_DISEASE_WORDS or word.removesuffix("s") in GENERIC_DISEASE_WORDS
                               or word.removesuffix("es") in GENERIC_DISEASE_WORDS for word in words)


def is_author_initials(span: Span) -> bool:
    """Whether a one-token span of one to three capitals follows a capitalised name, as an
    author's initials do in a citation ("Kleber HD", "Koob GF, Le Moal M")."""
    if len(span) != 1 or not AUTHOR_INITIALS.fullmatch(span.text) or span.start == 0:
        return False
    before = span.doc[span.start - 1]
    return before.is_alpha and len(before) > 1 and before.text[0].isupper() and before.text[1:].islower()


def _defining_entity(long_form: Span, by_end: dict[int, Span]) -> Span | None:
    """The entity a short form's long form names: the entity that ends where the long form ends and lies inside it."""
    entity = by_end.get(long_form.end)
    return entity if entity is not None and entity.start >= long_form.start else None


def repeat_names(doc: Doc, spans: list[Span]) -> list[Span]:
    """A name the NER found once is found wherever the document repeats it: each other
    occurrence of an NER entity's exact words (of at least MIN_REPEATED_CHARS characters)
    that overlaps no entity becomes the same entity."""
    named = [span for span in spans if span._.concept_source == SOURCE_NER and len(span.text) >= MIN_REPEATED_CHARS]
    if not named:
        return spans
    orths = doc.to_array(ORTH)
    taken = _by_token(spans)
    added = []
    for span in named:
        words = orths[span.start:span.end]
        starts = numpy.flatnonzero(orths[: len(orths) - len(words) + 1] == words[0])
        for start in starts.tolist():
            end = start + len(words)
            if (orths[start:end] == words).all() and not any(i in taken for i in range(start, end)):
                repeat = Span(doc, start, end, label=span.label, kb_id=span.kb_id)
                repeat._.concept_source = SOURCE_NER
                added.append(repeat)
                taken.update({i: repeat for i in range(start, end)})
    return sorted(spans + added, key=lambda span: span.start)


def follow_long_forms(doc: Doc, spans: list[Span]) -> list[Span]:
    """Short forms take the entity of their long form: "atrial fibrillation (AF)" makes every
    "AF" of the document that entity's label and concept, and an NER span on a short form
    whose long form is no entity ("optical coherence tomography (OCT)") is dropped, as is an
    unlinked NER brain region that holds one ("CA IX" where CA is carbonic anhydrase; a
    disease may hold a gene's short form: "HPRT deficiency"). Lexicon
    entities on short forms stand (the concept matcher has already decided them)."""
    by_end = {span.end: span for span in spans}
    by_start = {span.start: span for span in spans}
    taken = _by_token(spans)
    for short in doc._.abbreviations if Doc.has_extension("abbreviations") else ():
        entity = _defining_entity(short._.long_form, by_end)
        here = by_start.get(short.start)
        exact = here is not None and here.end == short.end
        if entity is None:
            holder = taken.get(short.start)
            if holder is not None and holder._.concept_source == SOURCE_NER and (
                    exact or (holder.label_ == "BRAIN_REGION" and not is_linked(holder.kb_id_))):
                spans.remove(holder)
                by_start.pop(holder.start, None)
                for i in range(holder.start, holder.end):
                    del taken[i]
            continue
        if exact and here._.concept_source != SOURCE_NER:
            continue
        if exact or not _overlapped(short, taken):
            if exact:
                spans.remove(here)
            follower = Span(doc, short.start, short.end, label=entity.label, kb_id=entity.kb_id)
            follower._.concept_source = entity._.concept_source
            spans.append(follower)
            by_start[short.start] = follower
            taken.update({i: follower for i in range(short.start, short.end)})
    return sorted(spans, key=lambda span: span.start)
