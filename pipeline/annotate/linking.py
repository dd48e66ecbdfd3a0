"""Linking: the knowledge-base concept of an NER span the concept matcher did not map.

scispaCy's CandidateGenerator over a scispaCy KnowledgeBase made from models/kb: every
concept's preferred name, synonyms and (unambiguous) abbreviations are embedded as
TF-IDF vectors of character 3-grams, indexed for approximate nearest neighbours with
nmslib (HNSW, cosine). A span is linked to the most similar concept of its own type
when the cosine similarity of the best alias reaches THRESHOLD (ties go to the smaller
concept id); otherwise it stays unlinked, with the deterministic id
NC:unlinked:<normalised text>, so the graph keeps it as its own node without merging
it into a wrong concept.

scispaCy 0.6.2's create_tfidf_ann_index stores the vectors in float16, which scipy
>= 1.11 refuses; the vectorizer and index are built here in float32 instead and laid
out as scispaCy's LinkerPaths expects (concept_aliases.json, tfidf_vectorizer.joblib,
tfidf_vectors_sparse.npz, nmslib_index.bin), plus kb.sha256, the fingerprint of the
knowledge base they were built from. `make kb` builds them in models/linker/
(scripts/build_linker.py); a linker whose cache is missing or does not
match its knowledge base (changed, or a --kb or --kb-extra of the user's) builds its
index again (a few seconds), and writes it to the cache when it is the default one.
nmslib's HNSW construction draws on a process-wide random generator: the first index
built in a process is the same in every run, later ones may differ slightly in the
neighbours they return (reports/eval.md builds one).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.tokens import Span

from pipeline.annotate.normalize import normalize_word
from pipeline.atomic import atomic_open, atomic_path
from pipeline.kb import MODELS_DIR, KnowledgeBase, load_kb

if TYPE_CHECKING:  # scikit-learn, nmslib and scispaCy's linking load only when a linker is built
    from scispacy.candidate_generation import CandidateGenerator
    from scispacy.linking_utils import Entity

UNLINKED_PREFIX = "NC:unlinked:"
_WORD_SEPARATORS = re.compile(r"[\s\-‐‑–—/]+")
LINKER_DIR = MODELS_DIR / "linker"
FINGERPRINT_FILE = "kb.sha256"
THRESHOLD = 0.9       # cosine similarity of the best alias; chosen on held-out synonyms (reports/eval.md)
NEIGHBOURS = 20       # aliases retrieved per mention before keeping the concepts of the span's type
EF_SEARCH = 200
CACHE_SIZE = 100_000  # linked mention texts remembered by a Linker
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


def unlinked_ids(spans: list[Span]) -> list[str]:
    """Every span unlinked: what the entity merger does without a linker."""
    return [unlinked_id(span) for span in spans]


def linking_form(text: str) -> str:
    """The form aliases and mentions are compared in: normalised words (normalize_word), hyphens as spaces."""
    return " ".join(normalize_word(word) for word in _WORD_SEPARATORS.split(text) if word)


def linker_entities(kb: KnowledgeBase) -> list["Entity"]:
    """scispaCy Entities for the knowledge base: name, synonyms and abbreviations, in linking form."""
    from scispacy.linking_utils import Entity

    return [
        Entity(concept.id, linking_form(concept.name),
               sorted({linking_form(alias) for alias in (*concept.synonyms, *concept.abbreviations)}), [concept.type])
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


def write_linker_index(kb: KnowledgeBase, directory: str | Path = LINKER_DIR) -> Path:
    """Build the index of a knowledge base and write it, in scispaCy's layout, to directory."""
    import joblib
    import scipy.sparse
    from scispacy.candidate_generation import LinkerPaths
    from scispacy.linking_utils import KnowledgeBase as ScispacyKnowledgeBase

    entities = linker_entities(kb)
    aliases = sorted(ScispacyKnowledgeBase(entities).alias_to_cuis)
    vectorizer, vectors, index = build_index(aliases)
    directory = Path(directory)
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
        handle.write(kb_fingerprint(entities) + "\n")
    return directory


class Linker:
    """Links spans to concepts of their type with scispaCy's CandidateGenerator (see the module docstring).

    Called by the entity merger with the NER spans to link; returns their concept ids.
    The index is read from cache_dir when it was built for this knowledge base; None
    builds it in memory.
    """

    def __init__(self, kb: KnowledgeBase, threshold: float = THRESHOLD, cache_dir: str | Path | None = LINKER_DIR) -> None:
        self.kb = kb
        self.threshold = threshold
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.entities = linker_entities(kb)
        self.types = {entity.concept_id: entity.types[0] for entity in self.entities}
        self.generator = self._candidate_generator()
        self._cache: dict[tuple[str, str], tuple[str | None, float]] = {}

    def _candidate_generator(self) -> "CandidateGenerator":
        from scispacy.candidate_generation import CandidateGenerator, LinkerPaths, load_approximate_nearest_neighbours_index
        from scispacy.linking_utils import KnowledgeBase as ScispacyKnowledgeBase

        scispacy_kb = ScispacyKnowledgeBase(self.entities)
        fingerprint = self.cache_dir / FINGERPRINT_FILE if self.cache_dir else None
        if fingerprint and fingerprint.is_file() and fingerprint.read_text().strip() == kb_fingerprint(self.entities):
            paths = LinkerPaths.from_directory(self.cache_dir)
            aliases, vectorizer = paths.get_concept_aliases(), paths.get_tfidf_vectorizer()
            index = load_approximate_nearest_neighbours_index(paths, ef_search=EF_SEARCH)
        elif self.cache_dir == LINKER_DIR and kb_fingerprint(self.entities) == kb_fingerprint(linker_entities(load_kb())):
            write_linker_index(self.kb, self.cache_dir)
            return self._candidate_generator()
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
            scored = [(-max(c.similarities), c.concept_id) for c in candidates if self.types[c.concept_id] == label and max(c.similarities) > 0]
            self._cache[text, label] = (min(scored)[1], -min(scored)[0]) if scored else (None, 0.0)
        return [self._cache[text, label] for text, label in zip(texts, labels)]

    def __call__(self, spans: list[Span]) -> list[str]:
        """The concept id of each span, or its NC:unlinked: id below the threshold."""
        if not spans:
            return []
        best = self.best([linking_form(span.text) for span in spans], [span.label_ for span in spans])
        return [concept if concept and similarity >= self.threshold else unlinked_id(span)
                for span, (concept, similarity) in zip(spans, best)]

    def __reduce__(self):
        """Pickled (for worker processes) as its knowledge base, threshold and cache folder."""
        return (Linker, (self.kb, self.threshold, self.cache_dir))
