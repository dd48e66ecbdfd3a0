"""Linking: the knowledge-base concept of an NER span the concept matcher did not map.

scispaCy's CandidateGenerator over a scispaCy KnowledgeBase made from models/kb: every
concept's preferred name, synonyms and (unambiguous) abbreviations are embedded as
TF-IDF vectors of character 3-grams, indexed for approximate nearest neighbours with
nmslib (HNSW, cosine). A span is linked to the most similar concept of the types its
NER label may take (LINK_TYPES: a BRAIN_REGION span may name a brain region or a neural
system, a CHEMICAL span a DRUG or a NEUROCHEMICAL, a DISEASE span a DISORDER or a
SYMPTOM) when the cosine similarity of the best alias reaches THRESHOLD (ties go to the
smaller concept id). Below it, three exact-name rules are tried (Linker.by_rules):

- a short form is the one concept of the span's link types that the knowledge base gives
  it, where documents define it or not ("DA" as a CHEMICAL is dopamine): character
  3-grams cannot place two or three letters;
- an adjective is read as the noun it derives from (ADJECTIVE_ENDINGS: "medullary" ->
  "medulla", "thalamic" -> "thalamus", "amygdaloid" -> "amygdala") or as the name of
  the structure it qualifies (ADJECTIVE_HEADS: "limbic" -> "limbic system");
- a span that names a part without its whole ("central nucleus") is read with each
  brain region the document names elsewhere, and the regions those are part of
  ("central nucleus of the amygdala" beside "basolateral amygdala"); the nearest such
  region wins.

Either must give exactly one concept's name or synonym. Otherwise the span stays
unlinked, with the deterministic id NC:unlinked:<normalised text>, so the graph keeps it
as its own node without merging it into a wrong concept. The entity merger types a
linked span by its concept, an unlinked one by UNLINKED_TYPE.

scispaCy 0.6.2's create_tfidf_ann_index stores the vectors in float16, which scipy
>= 1.11 refuses; the vectorizer and index are built here in float32 instead and laid
out as scispaCy's LinkerPaths expects (concept_aliases.json, tfidf_vectorizer.joblib,
tfidf_vectors_sparse.npz, nmslib_index.bin), plus kb.sha256, the fingerprint of the
knowledge base they were built from. The index of each knowledge base is built once (a
few seconds) into the per-user cache folder, under its fingerprint
(linker_index_dir: pipeline.resources.cache_dir()/linker/<fingerprint>), and read from
there afterwards; `make linker` builds it ahead of time (scripts/build_linker.py).
nmslib's HNSW construction draws on a process-wide random generator: the first index
built in a process is the same in every run, later ones may differ slightly in the
neighbours they return (reports/eval.md builds one).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from spacy.tokens import Span

from pipeline.annotate.abbreviations import is_short_form
from pipeline.annotate.normalize import normalize_word
from pipeline.files.atomic import atomic_open, atomic_path
from pipeline.kb import KnowledgeBase
from pipeline.resources import cache_dir

if TYPE_CHECKING:  # scikit-learn, nmslib and scispaCy's linking load only when a linker is built
    from scispacy.candidate_generation import CandidateGenerator
    from scispacy.linking_utils import Entity

UNLINKED_PREFIX = "NC:unlinked:"
LEXICON_SPANS_KEY = "lexicon"  # doc.spans key of the concept matcher's entities, kept aside by lexicon_spans (ner.py)
_WORD_SEPARATORS = re.compile(r"[\s\-‐‑–—/]+")
FINGERPRINT_FILE = "kb.sha256"
THRESHOLD = 0.9       # cosine similarity of the best alias; chosen on held-out synonyms (reports/eval.md)
NEIGHBOURS = 20       # aliases retrieved per mention before keeping the concepts of the span's type
EF_SEARCH = 200
CACHE_SIZE = 100_000  # linked mention texts remembered by a Linker
# The concept types an NER label may be linked to; UNLINKED_TYPE is the type of a span linked to none.
LINK_TYPES = {
    "BRAIN_REGION": ("BRAIN_REGION", "NEURAL_SYSTEM"),
    "CHEMICAL": ("DRUG", "NEUROCHEMICAL"),
    "DISEASE": ("DISORDER", "SYMPTOM"),
}
UNLINKED_TYPE = {"BRAIN_REGION": "BRAIN_REGION", "CHEMICAL": "DRUG", "DISEASE": "DISORDER"}
# Adjective endings and the noun endings they derive from, tried in this order
# (medullary -> medulla, cerebellar -> cerebellum, thalamic -> thalamus, mesencephalic ->
# mesencephalon, hippocampal -> hippocampus, septal -> septum, amygdaloid -> amygdala, cortical -> cortex).
ADJECTIVE_ENDINGS = (
    ("ary", "a"), ("ar", "um"), ("ar", "a"), ("ar", "us"), ("ic", "us"), ("ic", "on"), ("ic", "a"), ("ic", "um"),
    ("al", "us"), ("al", "um"), ("al", "a"), ("oid", "a"), ("ical", "ex"),
)
# Head nouns an adjective may stand for ("limbic" for the limbic system).
ADJECTIVE_HEADS = ("system", "area", "region", "nucleus", "cortex", "lobe")
WHOLE_LEVELS = 2  # how far up part_of a region named in the document is taken as the whole of a part
# How a part is named with its whole: "{part} of the {whole}", "{whole} {part}"...
PART_OF_WHOLE = ("{part} of the {whole}", "{part} of {whole}", "{whole} {part}", "{part} {whole}")
INDEX_PARAMS = {"M": 16, "efConstruction": 100, "indexThreadQty": 1, "post": 0}


def unlinked_id(span: Span) -> str:
    """NC:unlinked: and the span's normalised words (token NORMs) joined by underscores."""
    return UNLINKED_PREFIX + "_".join(token.norm_ for token in span if not token.is_punct or token.text == "-")


def is_linked(concept_id: str) -> bool:
    """Whether a concept id is a knowledge-base concept rather than an unlinked mention's."""
    return not concept_id.startswith(UNLINKED_PREFIX)


def unlinked_name(concept_id: str) -> str:
    """The name of an unlinked mention's concept: its normalised words."""
    return concept_id.removeprefix(UNLINKED_PREFIX).replace("_", " ")


def unlinked_type(label: str) -> str:
    """The type of an NER span of this label that no concept was found for (the label itself for a concept type)."""
    return UNLINKED_TYPE.get(label, label)


def link_types(label: str) -> tuple[str, ...]:
    """The concept types an NER span of this label may be linked to."""
    return LINK_TYPES.get(label, (label,))


def adjective_nouns(word: str) -> list[str]:
    """The nouns an adjective may derive from, by ADJECTIVE_ENDINGS ("medullary" -> ["medulla"])."""
    return [word[: -len(ending)] + noun for ending, noun in ADJECTIVE_ENDINGS if word.endswith(ending) and len(word) > len(ending) + 2]


def unlinked_ids(spans: list[Span]) -> list[str]:
    """Every span unlinked: what the entity merger does without a linker."""
    return [unlinked_id(span) for span in spans]


def linking_form(text: str) -> str:
    """The form aliases and mentions are compared in: normalised words (normalize_word), hyphens as spaces."""
    return " ".join(normalize_word(word) for word in _WORD_SEPARATORS.split(text) if word)


def linker_entities(kb: KnowledgeBase) -> list["Entity"]:
    """scispaCy Entities for the knowledge base: name, synonyms and abbreviations, in linking
    form, but for the aliases a `never` alias rule takes from a concept (or from all)."""
    from scispacy.linking_utils import Entity

    never = {(linking_form(rule.alias), rule.concept_id) for rule in kb.alias_rules if rule.rule == "never"}

    def kept(concept, alias: str) -> bool:
        form = linking_form(alias)
        return (form, "") not in never and (form, concept.id) not in never

    return [
        Entity(concept.id, linking_form(concept.name),
               sorted({linking_form(alias) for alias in (*concept.synonyms, *concept.abbreviations) if kept(concept, alias)}),
               [concept.type])
        for concept in kb
    ]


def kb_fingerprint(entities: list["Entity"]) -> str:
    """SHA-256 of the entities the index is built from, to tell a stale cache."""
    digest = hashlib.sha256()
    for entity in entities:
        digest.update(json.dumps([entity.concept_id, entity.canonical_name, entity.aliases, entity.types]).encode())
    return digest.hexdigest()


def build_index(aliases: list[str]) -> tuple:
    """Fit the character 3-gram TF-IDF vectorizer on the aliases and index their vectors (float32):
    (vectorizer, vectors, nmslib index)."""
    import nmslib
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1, dtype=numpy.float32)
    vectors = vectorizer.fit_transform(aliases).astype(numpy.float32)
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse", data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(vectors)
    index.createIndex(INDEX_PARAMS)
    index.setQueryTimeParams({"efSearch": EF_SEARCH})
    return vectorizer, vectors, index


def linker_index_dir(fingerprint: str) -> Path:
    """The cache folder of the index of a knowledge base with this kb_fingerprint."""
    return cache_dir() / "linker" / fingerprint[:32]


def write_linker_index(kb: KnowledgeBase, directory: str | Path | None = None) -> Path:
    """Build the index of a knowledge base and write it, in scispaCy's layout, to directory
    (by default its cache folder, linker_index_dir)."""
    import joblib
    import scipy.sparse
    from scispacy.candidate_generation import LinkerPaths
    from scispacy.linking_utils import KnowledgeBase as ScispacyKnowledgeBase

    entities = linker_entities(kb)
    aliases = sorted(ScispacyKnowledgeBase(entities).alias_to_cuis)
    vectorizer, vectors, index = build_index(aliases)
    fingerprint = kb_fingerprint(entities)
    directory = Path(directory) if directory is not None else linker_index_dir(fingerprint)
    directory.mkdir(parents=True, exist_ok=True)
    paths = LinkerPaths.from_directory(directory)
    with atomic_open(paths.concept_aliases_list) as handle:
        json.dump(aliases, handle, ensure_ascii=False)
    with atomic_path(paths.tfidf_vectorizer) as tmp:
        joblib.dump(vectorizer, tmp)
    with atomic_path(paths.tfidf_vectors) as tmp:
        scipy.sparse.save_npz(tmp.with_suffix(".npz"), vectors)
        tmp.with_suffix(".npz").replace(tmp)
    with atomic_path(paths.ann_index) as tmp:
        index.saveIndex(str(tmp), save_data=False)
    with atomic_open(directory / FINGERPRINT_FILE) as handle:
        handle.write(fingerprint + "\n")
    return directory


class Linker:
    """Links spans to concepts of their type with scispaCy's CandidateGenerator (see the module docstring).

    Called by the entity merger with the NER spans to link; returns their concept ids.
    With `cached`, the index is read from the knowledge base's cache folder (linker_index_dir),
    built there first when it is missing; without, it is built in memory.
    """

    def __init__(self, kb: KnowledgeBase, threshold: float = THRESHOLD, cached: bool = True) -> None:
        self.kb = kb
        self.threshold = threshold
        self.cached = cached
        self.entities = linker_entities(kb)
        self.types = {entity.concept_id: entity.types[0] for entity in self.entities}
        self.by_name: dict[str, set[str]] = {}  # linking form of every name and synonym -> concept ids
        self.names: dict[str, list[str]] = {}   # concept id -> linking forms of its name and synonyms
        for entity in self.entities:
            for form in (entity.canonical_name, *entity.aliases):
                self.by_name.setdefault(form, set()).add(entity.concept_id)
                self.names.setdefault(entity.concept_id, []).append(form)
        self.generator = self._candidate_generator()
        self._cache: dict[tuple[str, str], tuple[str | None, float]] = {}

    def _candidate_generator(self) -> "CandidateGenerator":
        from scispacy.candidate_generation import CandidateGenerator, LinkerPaths, load_approximate_nearest_neighbours_index
        from scispacy.linking_utils import KnowledgeBase as ScispacyKnowledgeBase

        scispacy_kb = ScispacyKnowledgeBase(self.entities)
        if self.cached:
            fingerprint = kb_fingerprint(self.entities)
            directory = linker_index_dir(fingerprint)
            written = directory / FINGERPRINT_FILE
            if not (written.is_file() and written.read_text().strip() == fingerprint):
                write_linker_index(self.kb, directory)
            paths = LinkerPaths.from_directory(directory)
            aliases, vectorizer = paths.get_concept_aliases(), paths.get_tfidf_vectorizer()
            index = load_approximate_nearest_neighbours_index(paths, ef_search=EF_SEARCH)
        else:
            aliases = sorted(scispacy_kb.alias_to_cuis)
            vectorizer, _, index = build_index(aliases)
        return CandidateGenerator(ann_index=index, tfidf_vectorizer=vectorizer, ann_concept_aliases_list=aliases, kb=scispacy_kb)

    def best(self, texts: list[str], labels: list[str]) -> list[tuple[str | None, float]]:
        """For each text, the most similar concept of the given type and its similarity (None, 0.0 if none).

        Answers are remembered (up to CACHE_SIZE texts): a corpus names the same regions again and again.
        """
        queries = sorted({(text, label) for text, label in zip(texts, labels)} - self._cache.keys())
        if len(self._cache) + len(queries) > CACHE_SIZE:
            self._cache.clear()
        for (text, label), candidates in zip(queries, self.generator([text for text, _ in queries], NEIGHBOURS)):
            types = link_types(label)
            scored = [(-max(c.similarities), c.concept_id) for c in candidates if self.types[c.concept_id] in types and max(c.similarities) > 0]
            self._cache[text, label] = (min(scored)[1], -min(scored)[0]) if scored else (None, 0.0)
        return [self._cache[text, label] for text, label in zip(texts, labels)]

    def named(self, forms: Iterable[str], label: str) -> set[str]:
        """The concepts of the label's link types that have one of the forms as name or synonym."""
        types = link_types(label)
        return {c for form in forms for c in self.by_name.get(form, ()) if self.types[c] in types}

    @staticmethod
    def _adjective_forms(words: list[str]) -> Iterator[list[str]]:
        """The names an adjective may stand for, most likely first: the noun it derives from, then
        the adjective with each head ("limbic system"); an adjective before a generic head
        ("medullary areas") is read without the head too."""
        stems = [words, words[:-1]] if len(words) > 1 and words[-1] in ADJECTIVE_HEADS else [words]
        for stem in stems:
            nouns = adjective_nouns(stem[-1]) if stem else []
            if nouns:
                yield [" ".join([*stem[:-1], noun]) for noun in nouns]
                yield from ([" ".join([*stem, head])] for head in ADJECTIVE_HEADS)

    def by_rules(self, span: Span) -> str | None:
        """The concept of a short form, an adjective or a part named without its whole (see the module docstring), or None."""
        if is_short_form(span.text):
            found = {c for c in self.short_forms.get(span.text, ()) if self.types[c] in link_types(span.label_)}
            return found.pop() if len(found) == 1 else None
        form = linking_form(span.text)
        words = form.split()
        for forms in self._adjective_forms(words):
            found = self.named(forms, span.label_)
            if found:
                return found.pop() if len(found) == 1 else None
        if span.label_ != "BRAIN_REGION" or form not in self.part_names:
            return None
        nearest = sorted(
            (abs(entity.start - span.start), entity.kb_id_) for entity in span.doc.spans.get(LEXICON_SPANS_KEY, ())
            if entity.label_ == "BRAIN_REGION" and not (span.start <= entity.start < span.end) and entity.kb_id_ in self.names
        )
        types = link_types(span.label_)
        for whole in dict.fromkeys(ancestor for _, region in nearest for ancestor in self._wholes(region)):
            found = {c for c in self.parts.get((form, whole), ()) if self.types[c] in types}
            if len(found) == 1:
                return found.pop()
        return None

    @cached_property
    def short_forms(self) -> dict[str, set[str]]:
        """Each short form of the knowledge base (those it takes only where a document defines
        them too) -> its concepts: "DA", a CHEMICAL to the NER, is dopamine."""
        found: dict[str, set[str]] = {}
        for concept in self.kb:
            for short in (*concept.abbreviations, *concept.abbreviations_if_defined):
                found.setdefault(short, set()).add(concept.id)
        return found

    @cached_property
    def part_names(self) -> set[str]:
        """The parts of the `parts` index ("central nucleus", "shell"...)."""
        return {part for part, _ in self.parts}

    @cached_property
    def parts(self) -> dict[tuple[str, str], set[str]]:
        """(part, whole concept) -> the concepts named "{part} of the {whole}" and the like
        (PART_OF_WHOLE) with one of the whole's names: every name is split once at each
        place a pattern allows, instead of every part being tried with every name of every whole."""
        index: dict[tuple[str, str], set[str]] = {}
        for form, concepts in self.by_name.items():
            words = form.split()
            splits = set()
            for cut in range(1, len(words)):
                left, right = " ".join(words[:cut]), " ".join(words[cut:])
                splits.update({(left, right), (right, left)})             # "{part} {whole}", "{whole} {part}"
                if words[cut] == "of" and cut + 1 < len(words):            # "{part} of {whole}", "{part} of the {whole}"
                    rest = words[cut + 1:]
                    splits.add((left, " ".join(rest)))
                    if rest[0] == "the" and len(rest) > 1:
                        splits.add((left, " ".join(rest[1:])))
            for part, whole_name in splits:
                for whole in self.by_name.get(whole_name, ()):
                    index.setdefault((part, whole), set()).update(concepts)
        return index

    def _wholes(self, region: str) -> list[str]:
        """A region and the regions it is part of, up to WHOLE_LEVELS levels up (the basolateral amygdala, the amygdala...)."""
        wholes, level = [region], [region]
        for _ in range(WHOLE_LEVELS):
            level = [parent for concept in level for parent in self.kb[concept].part_of if parent in self.names]
            wholes += level
        return wholes

    def __call__(self, spans: list[Span]) -> list[str]:
        """The concept id of each span, or its NC:unlinked: id when neither similarity nor the rules place it."""
        if not spans:
            return []
        best = self.best([linking_form(span.text) for span in spans], [span.label_ for span in spans])
        return [concept if concept and similarity >= self.threshold else self.by_rules(span) or unlinked_id(span)
                for span, (concept, similarity) in zip(spans, best)]

    def __reduce__(self):
        """Pickled (for worker processes) as its knowledge base, threshold and cache folder."""
        return (Linker, (self.kb, self.threshold, self.cached))
