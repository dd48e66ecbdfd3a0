"""The knowledge base's audited brain-region synonyms and its vocabulary-derived concepts,
on sentences of this literature (lexicon only)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline.annotate.nlp import build_nlp
from pipeline.kb import DEFAULT_KB_DIR, read_concepts

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from derive_brain_regions import region_adjective  # noqa: E402

VOCABULARY_FILES = sorted((DEFAULT_KB_DIR / "concepts").glob("*_vocabulary.tsv"))


@pytest.fixture(scope="module")
def nlp():
    return build_nlp(ner=False)


def found(nlp, text: str) -> dict[str, tuple[str, str, str]]:
    """mention text -> (label, concept id, concept name)."""
    kb = nlp.get_pipe("concept_matcher").kb
    return {e.text: (e.label_, e.kb_id_, kb[e.kb_id_].name) for e in nlp(text).ents}


def test_basolateral_nucleus_names_are_the_basolateral_amygdala(nlp):
    ents = found(nlp, "Lesions of the basolateral nucleus of the amygdala, unlike lesions of the basolateral "
                      "amygdala or of the basolateral amygdaloid nucleus, spared the basal nucleus of the amygdala.")
    bla = {ents[m][1] for m in ("basolateral nucleus of the amygdala", "basolateral amygdala", "basolateral amygdaloid nucleus")}
    assert len(bla) == 1
    assert ents["basal nucleus of the amygdala"][1] not in bla


def test_audited_regions_are_their_own_concepts(nlp):
    ents = found(nlp, "The rostromedial tegmental nucleus (RMTg) and the periventricular gray (PVG) were stimulated; "
                      "the central medial thalamic nucleus and the mediodorsal thalamic nucleus were spared.")
    assert ents["rostromedial tegmental nucleus"][1] == ents["RMTg"][1]
    assert "tegmental nucleus" != ents["rostromedial tegmental nucleus"][2]
    assert "hypothalam" not in ents["periventricular gray"][2] and ents["PVG"][1] == ents["periventricular gray"][1]
    assert ents["central medial thalamic nucleus"][1] != ents["mediodorsal thalamic nucleus"][1]


def test_catecholamine_cell_groups_and_noradrenergic_bundles(nlp):
    ents = found(nlp, "Neurons of the A2 noradrenergic cell group and of the A6 cell group project through the "
                      "ventral noradrenergic bundle and the dorsal noradrenergic bundle.")
    assert ents["A6 cell group"][2] == "locus coeruleus"
    assert {ents[m][0] for m in ents} == {"BRAIN_REGION"} and len({v[1] for v in ents.values()}) == 4


@pytest.mark.parametrize("word, adjective", [("medulla", "medullary"), ("septum", "septal"), ("pons", "pontine"),
                                             ("mesencephalon", "mesencephalic"), ("insula", "insular"), ("claustrum", "claustral")])
def test_region_adjective_rule(word, adjective):
    assert region_adjective(word) == adjective


def test_adjectives_stand_for_regions_only_beside_the_brain(nlp):
    ents = found(nlp, "Medullary neurons and septal cholinergic cells fired.")
    assert ents["Medullary"][2] == "medulla oblongata" and ents["septal"][0] == "BRAIN_REGION"
    assert found(nlp, "A ventricular septal defect and medullary thyroid carcinoma were excised.") == {}


def test_vocabulary_drugs_and_epilepsy_terms(nlp):
    ents = found(nlp, "Pilocarpine-induced status epilepticus and kainic acid seizures; levodopa and dyskinesia "
                      "in Parkinson's disease treated with clozapine; temporal lobe epilepsy.")
    assert ents["Pilocarpine"][0] == ents["kainic acid"][0] == ents["clozapine"][0] == ents["levodopa"][0] == "DRUG"
    assert ents["dyskinesia"][0] == "SYMPTOM"
    assert ents["status epilepticus"][0] == ents["temporal lobe epilepsy"][0] == ents["Parkinson's disease"][0] == "DISORDER"
    assert all(v[1].split(":")[0] in {"MESH", "HP", "CHEBI", "NC"} for v in ents.values())


def test_common_words_are_not_vocabulary_aliases(nlp):
    assert found(nlp, "Speed, ice, iron and water were measured in the crack of the maze.") == {}


def test_vocabulary_rows_never_duplicate_a_curated_concept():
    curated, vocabulary = {}, []
    for path in sorted((DEFAULT_KB_DIR / "concepts").glob("*.tsv")):
        rows = [c for c, _ in read_concepts(path)]
        if path in VOCABULARY_FILES:
            vocabulary += rows
        else:
            curated.update({c.id: c for c in rows})
    assert len(VOCABULARY_FILES) == 4 and len(vocabulary) > 1000
    curated_refs = {ref for c in curated.values() for ref in (c.id, *c.xrefs)}
    for concept in vocabulary:
        if concept.id in curated:   # extends a curated concept: same type and name
            assert (concept.type, concept.name) == (curated[concept.id].type, curated[concept.id].name)
        else:                       # a new concept: none of its ids is a curated concept's
            assert not {concept.id, *concept.xrefs} & curated_refs, concept.id
