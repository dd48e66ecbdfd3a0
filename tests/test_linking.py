"""Linking NER spans to knowledge-base concepts with scispaCy's CandidateGenerator."""

from __future__ import annotations

import pickle

import pytest
from conftest import DATA

from pipeline.annotate.linking import (
    LEXICON_SPANS_KEY, UNLINKED_PREFIX, Linker, is_linked, kb_fingerprint, linker_entities, linker_index_dir, linking_form, unlinked_id,
    unlinked_name,
)
from pipeline.annotate.nlp import build_tokenizer
from pipeline.kb import load_kb
from pipeline.resources import CACHE_VARIABLE


@pytest.fixture(scope="module")
def small_kb():
    return load_kb(DATA / "kb")


@pytest.fixture(scope="module")
def linker(small_kb):
    return Linker(small_kb, threshold=0.75, cached=False)


def spans(texts_labels):
    """One span over the whole text of each (text, label)."""
    from spacy.tokens import Span

    tokenizer = build_tokenizer()
    return [Span(doc, 0, len(doc), label=label) for doc, label in ((tokenizer(t), label) for t, label in texts_labels)]


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


def test_cached_index_links_as_the_one_built_in_memory(tmp_path, small_kb, linker, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    cached = Linker(small_kb, threshold=0.75)  # builds the index into the per-user cache folder
    [folder] = (tmp_path / "linker").iterdir()
    assert folder == linker_index_dir(kb_fingerprint(linker_entities(small_kb)))
    assert {p.name for p in folder.iterdir()} >= {"nmslib_index.bin", "tfidf_vectorizer.joblib", "kb.sha256"}
    read = Linker(small_kb, threshold=0.75)  # reads it from there
    texts = [("ventral tegmental areas", "BRAIN_REGION"), ("amygdalar", "BRAIN_REGION"), ("morphines", "DRUG")]
    forms, labels = [linking_form(t) for t, _ in texts], [label for _, label in texts]
    assert read.best(forms, labels) == cached.best(forms, labels) == linker.best(forms, labels)


def test_linker_survives_pickling_for_worker_processes(linker):
    copy = pickle.loads(pickle.dumps(linker))
    texts = spans([("ventral tegmental areas", "BRAIN_REGION")])
    assert copy(texts) == linker(texts)


EXTRA_CONCEPTS = """id\ttype\tname\tsynonyms\tpart_of
UBERON:0001896\tBRAIN_REGION\tmedulla oblongata\tmedulla\t
UBERON:0000349\tBRAIN_REGION\tlimbic system\t\t
UBERON:0016542\tBRAIN_REGION\tlimbic cortex\t\t
UBERON:0002883\tBRAIN_REGION\tcentral amygdaloid nucleus\tcentral nucleus of the amygdala\tUBERON:0001876
MESH:D003042\tDRUG\tcocaine\t\t
CHEBI:18243\tNEUROCHEMICAL\tdopamine\t\t
HP:0001250\tSYMPTOM\tseizures\tseizure\t
MESH:D004827\tDISORDER\tepilepsy\t\t
"""


@pytest.fixture(scope="module")
def wider_linker(tmp_path_factory):
    """A linker over the fixture knowledge base and a few more concepts."""
    extra = tmp_path_factory.mktemp("kb") / "extra.tsv"
    extra.write_text(EXTRA_CONCEPTS, encoding="utf-8")
    return Linker(load_kb(DATA / "kb", [extra]), cached=False)


def test_an_adjective_links_to_the_noun_or_the_structure_it_names(wider_linker):
    found = wider_linker(spans([
        ("medullary", "BRAIN_REGION"),          # medulla
        ("medullary areas", "BRAIN_REGION"),    # the adjective before a generic head
        ("limbic", "BRAIN_REGION"),             # "limbic system" comes before "limbic cortex"
        ("amygdaloid", "BRAIN_REGION"),         # amygdala
        ("cingulate", "BRAIN_REGION"),          # no concept of that name
    ]))
    assert found == ["UBERON:0001896", "UBERON:0001896", "UBERON:0000349", "UBERON:0001876", "NC:unlinked:cingulate"]


def test_a_part_named_without_its_whole_links_where_the_document_names_the_whole(wider_linker):
    from spacy.tokens import Span

    tokenizer = build_tokenizer()

    def central_nucleus(text, region, concept_id):
        doc = tokenizer(text)
        start = [t.i for t in doc if t.text == "central"][0]
        region_start = [t.i for t in doc if t.text == region.split()[0]][0]
        doc.spans[LEXICON_SPANS_KEY] = [Span(doc, region_start, region_start + len(region.split()), label="BRAIN_REGION", kb_id=concept_id)]
        return wider_linker([Span(doc, start, start + 2, label="BRAIN_REGION")])[0]

    # the basolateral amygdala is part of the amygdala: "central nucleus of the amygdala"
    assert central_nucleus("Lesions of the basolateral amygdala and of the central nucleus reduced freezing.",
                           "basolateral amygdala", "UBERON:0006107") == "UBERON:0002883"
    assert central_nucleus("Cells of the central nucleus project to the locus coeruleus.",
                           "locus coeruleus", "UBERON:0002148") == "NC:unlinked:central_nucleus"


def test_chemical_and_disease_spans_link_to_any_of_their_concept_types(wider_linker):
    found = wider_linker(spans([("cocaine", "CHEMICAL"), ("dopamine", "CHEMICAL"), ("seizure", "DISEASE"),
                                ("epilepsy", "DISEASE"), ("epilepsy", "CHEMICAL")]))
    assert found == ["MESH:D003042", "CHEBI:18243", "HP:0001250", "MESH:D004827", "NC:unlinked:epilepsy"]


def test_a_short_form_links_to_the_one_concept_of_its_types_that_has_it(tmp_path):
    kb_file = tmp_path / "short.tsv"
    kb_file.write_text(
        "id\ttype\tname\tsynonyms\tabbreviations\tabbreviations_if_defined\n"
        "CHEBI:18243\tNEUROCHEMICAL\tdopamine\t\t\tDA\n"
        "MESH:D016202\tDRUG\tN-methyl-D-aspartate\t\t\tNMDA\n"
        "UBERON:0002691\tBRAIN_REGION\tventral tegmental area\t\tVTA\t\n"
        "MESH:D010300\tDISORDER\tParkinson disease\t\t\tPD\n"
        "NC:pd_region\tBRAIN_REGION\tposterodorsal nucleus\t\t\tPD\n",
        encoding="utf-8",
    )
    linker = Linker(load_kb(DATA / "kb", [kb_file]), cached=False)
    found = linker(spans([("DA", "CHEMICAL"), ("NMDA", "CHEMICAL"), ("DA", "DISEASE"), ("PD", "DISEASE"), ("PD", "CHEMICAL")]))
    assert found == ["CHEBI:18243", "MESH:D016202", "NC:unlinked:da", "MESH:D010300", "NC:unlinked:pd"]
