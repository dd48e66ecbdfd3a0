"""Linking NER spans to knowledge-base concepts with scispaCy's CandidateGenerator."""

from __future__ import annotations

import pickle

import pytest
from conftest import DATA

from pipeline.annotate.linking import (
    UNLINKED_PREFIX, Linker, is_linked, linking_form, unlinked_id, unlinked_name, write_linker_index,
)
from pipeline.annotate.nlp import build_tokenizer
from pipeline.kb import load_kb


@pytest.fixture(scope="module")
def small_kb():
    return load_kb(DATA / "kb")


@pytest.fixture(scope="module")
def linker(small_kb):
    return Linker(small_kb, threshold=0.75, cache_dir=None)


def spans(texts_labels):
    """One span over the whole text of each (text, label)."""
    from spacy.tokens import Span

    tokenizer = build_tokenizer()
    return [Span(doc, 0, len(doc), label=label) for doc, label in ((tokenizer(t), l) for t, l in texts_labels)]


def test_linking_form_folds_spelling_variants():
    assert linking_form("Mu-Opioid Receptors") == linking_form("mu opioid receptor")
    assert linking_form("locus caeruleus") == linking_form("locus coeruleus")


def test_variants_link_to_their_concept_of_the_same_type(linker):
    found = linker(spans([
        ("ventral tegmental areas", "BRAIN_REGION"),        # plural
        ("basolateral amygdaloid complexes", "BRAIN_REGION"),
        ("mu-opioid receptors", "RECEPTOR"),
    ]))
    assert found == ["UBERON:0002052", "UBERON:0006107", "HGNC:8156"]


def test_dissimilar_or_wrong_type_mentions_stay_unlinked(linker):
    texts = [("parabrachial nucleus", "BRAIN_REGION"), ("mu opioid receptor", "BRAIN_REGION")]
    found = linker(spans(texts))
    assert found == [UNLINKED_PREFIX + "parabrachial_nucleus", UNLINKED_PREFIX + "mu_opioid_receptor"]
    assert not any(is_linked(concept_id) for concept_id in found)


def test_unlinked_ids_are_normalised_and_deterministic():
    [a, b] = spans([("Parabrachial Nuclei", "BRAIN_REGION"), ("parabrachial nucleus", "BRAIN_REGION")])
    assert unlinked_id(a) == unlinked_id(b) == "NC:unlinked:parabrachial_nucleus"
    assert unlinked_name(unlinked_id(a)) == "parabrachial nucleus"
    assert is_linked("UBERON:0002052")


def test_cached_index_links_as_the_one_built_in_memory(tmp_path, small_kb, linker):
    write_linker_index(small_kb, tmp_path / "linker")
    cached = Linker(small_kb, threshold=0.75, cache_dir=tmp_path / "linker")
    texts = [("ventral tegmental areas", "BRAIN_REGION"), ("amygdalar", "BRAIN_REGION"), ("morphines", "DRUG")]
    assert cached.best([linking_form(t) for t, _ in texts], [l for _, l in texts]) == \
        linker.best([linking_form(t) for t, _ in texts], [l for _, l in texts])
    assert {p.name for p in (tmp_path / "linker").iterdir()} >= {"nmslib_index.bin", "tfidf_vectorizer.joblib", "kb.sha256"}


def test_linker_survives_pickling_for_worker_processes(linker):
    copy = pickle.loads(pickle.dumps(linker))
    texts = spans([("ventral tegmental areas", "BRAIN_REGION")])
    assert copy(texts) == linker(texts)
