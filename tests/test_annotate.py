"""The scispaCy stage: spelling variants, abbreviations, sentences and mention offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import entities

from pipeline.annotate.document import annotate
from pipeline.annotate.normalize import alias_variants, normalize_word
from pipeline.read import Record

REPO = Path(__file__).parent.parent


@pytest.mark.parametrize("variant, canonical", [
    ("μ-opioid", "mu-opioid"), ("Receptors", "receptor"), ("caeruleus", "coeruleus"), ("diarrhoea", "diarrhea"),
    ("behaviour", "behavior"), ("amygdalae", "amygdala"), ("nuclei", "nucleus"), ("cortices", "cortex"),
    ("oestrogen", "estrogen"), ("sensitisation", "sensitization"), ("grey", "gray"), ("α2-adrenergic", "alpha-2-adrenergic"),
    ("ΔFosB", "deltafosb"), ("IL-6", "il6"),
])
def test_normal_forms(variant, canonical):
    assert normalize_word(variant) == normalize_word(canonical)


@pytest.mark.parametrize("word", ["ptosis", "locus", "stress", "nucleus", "axis", "mydriasis", "hippocampus"])
def test_singular_words_keep_their_form(word):
    assert normalize_word(word) == word


def test_alias_variants_cover_hyphens_and_spaces():
    assert set(alias_variants("wet-dog shakes")) >= {"wet-dog shakes", "wet dog shakes", "wetdog shakes"}
    assert "mu-opioid receptor" in alias_variants("mu opioid receptor")


def test_variants_match_the_same_concept(small_nlp):
    text = ("Morphine-dependent rats showed wet dog shakes and diarrhoea, and μ-opioid receptors in the locus "
            "caeruleus were studied alongside Mu Opioid Receptor binding; wet-dog shakes and diarrheas recurred.")
    found = [(t, c) for t, _, c, _ in entities(small_nlp, text)]
    assert found == [
        ("Morphine", "MESH:D009020"), ("wet dog shakes", "NC:wet_dog_shakes"), ("diarrhoea", "HP:0002014"),
        ("μ-opioid receptors", "HGNC:8156"), ("locus caeruleus", "UBERON:0002148"), ("Mu Opioid Receptor", "HGNC:8156"),
        ("wet-dog shakes", "NC:wet_dog_shakes"), ("diarrheas", "HP:0002014"),
    ]


def test_defined_abbreviation_resolves_to_its_long_form_concept(small_nlp):
    text = ("Withdrawal activated neurons in the basolateral amygdala (BLA) of morphine-treated rats. "
            "Inactivation of the BLA reduced aversion, and BLA projections to the VTA were required.")
    found = entities(small_nlp, text)
    bla = [e for e in found if e[0] == "BLA"]
    assert len(bla) == 3
    assert all(e[1:] == ("BRAIN_REGION", "UBERON:0006107", "basolateral amygdala") for e in bla)


def test_ambiguous_short_form_only_where_defined(small_nlp):
    defined = entities(small_nlp, "Clonidine silenced the locus coeruleus (LC) during withdrawal. LC firing rose later.")
    assert [(e[0], e[2]) for e in defined if e[0] == "LC"] == [("LC", "UBERON:0002148"), ("LC", "UBERON:0002148")]
    undefined = entities(small_nlp, "Samples were analysed by LC and mass spectrometry; LC peaks were integrated.")
    assert undefined == []


def test_short_form_defined_as_something_else_is_not_matched(small_nlp):
    found = entities(small_nlp, "We used liquid chromatography (LC). The LC method was validated on the locus coeruleus.")
    assert [(e[0], e[2]) for e in found] == [("locus coeruleus", "UBERON:0002148")]
    found = entities(small_nlp, "Vascular-targeting agents (VTA) act on tumours. VTAs and a VTA dose were tested.")
    assert not [e for e in found if e[0].startswith("VTA")]  # neither the lexicon nor the NER takes VTA for the region here


def test_longest_match_wins(small_nlp):
    found = entities(small_nlp, "Lesions of the basolateral amygdala spared the rest of the amygdala.")
    assert [(e[0], e[2]) for e in found] == [("basolateral amygdala", "UBERON:0006107"), ("amygdala", "UBERON:0001876")]


def test_mentions_offsets_sentences_and_title(small_nlp):
    record = Record("42", "Morphine and the VTA", "The basolateral amygdala (BLA) was active. Then the BLA was silent.", "t.jsonl", "line 1")
    (document,) = annotate([record], small_nlp)
    assert document.sentences == ((0, 20), (21, 63), (64, 88))  # the title is a sentence of its own
    rows = [(m.sent_id, m.start, m.end, m.text, m.concept_id, m.source, m.abbreviation) for m in document.mentions]
    assert rows == [
        (0, 0, 8, "Morphine", "MESH:D009020", "lexicon", ""),
        (0, 17, 20, "VTA", "UBERON:0002052", "lexicon", ""),
        (1, 25, 45, "basolateral amygdala", "UBERON:0006107", "lexicon", ""),
        (1, 47, 50, "BLA", "UBERON:0006107", "lexicon", "basolateral amygdala"),
        (2, 73, 76, "BLA", "UBERON:0006107", "lexicon", "basolateral amygdala"),
    ]
    assert all(record.text[m.start:m.end] == m.text for m in document.mentions)


def test_project_knowledge_base_matches_the_issue_variants(nlp):
    pairs = [
        ("μ-opioid receptor", "mu opioid receptor"), ("locus caeruleus", "locus coeruleus"),
        ("wet-dog shakes", "wet dog shakes"), ("diarrhoea", "diarrhea"),
    ]
    for left, right in pairs:
        (a,) = entities(nlp, f"We measured {left} in rats.")
        (b,) = entities(nlp, f"We measured {right} in rats.")
        assert a[2] == b[2] and a[1] == b[1], (left, right)


@pytest.mark.parametrize("text, label", [
    ("ventral tegmental area", "BRAIN_REGION"), ("nucleus accumbens", "BRAIN_REGION"), ("basolateral amygdala", "BRAIN_REGION"),
    ("bed nucleus of the stria terminalis", "BRAIN_REGION"), ("locus coeruleus", "BRAIN_REGION"),
    ("mesolimbic dopamine system", "NEURAL_SYSTEM"), ("extended amygdala", "NEURAL_SYSTEM"), ("HPA axis", "NEURAL_SYSTEM"),
    ("corticotropin-releasing factor", "NEUROCHEMICAL"), ("dynorphin", "NEUROCHEMICAL"), ("corticosterone", "NEUROCHEMICAL"),
    ("kappa opioid receptor", "RECEPTOR"), ("dopamine D2 receptor", "RECEPTOR"),
    ("anxiety", "SYMPTOM"), ("dysphoria", "SYMPTOM"), ("conditioned place aversion", "SYMPTOM"),
    ("morphine", "DRUG"), ("naloxone", "DRUG"), ("opioid use disorder", "DISORDER"),
])
def test_project_knowledge_base_types(nlp, text, label):
    found = entities(nlp, f"Here {text} was studied.")
    assert [(e[0], e[1]) for e in found] == [(text, label)]


def test_the_text_kept_for_the_components_is_spacys(nlp):
    """make_doc keeps each record's text in doc.user_data for the components (sentences.doc_text),
    instead of spaCy's joining doc.text from the tokens again: the two are the same string on
    every demo record (titles, abstracts, whitespace and Unicode as written), and annotating
    with or without the kept text gives the same mentions."""
    from pipeline.annotate.document import make_doc
    from pipeline.annotate.sentences import DOC_TEXT
    from pipeline.read import read_corpus

    records = [r for r in read_corpus([REPO / "corpora" / "demo"]) if isinstance(r, Record)]
    assert len(records) > 20
    docs = [make_doc(nlp, record) for record in records]
    assert all(doc.user_data[DOC_TEXT] == doc.text for doc in docs)
    kept = [document.mentions for document in annotate(records, nlp)]
    for doc in docs:
        del doc.user_data[DOC_TEXT]
    joined = [[(e.start_char, e.end_char, e.label_, e.kb_id_) for e in doc.ents] for doc in nlp.pipe(docs)]
    assert [[(m.start, m.end, m.label, m.concept_id) for m in mentions] for mentions in kept] == joined
