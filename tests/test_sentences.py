"""The sentence boundaries of pysbd_rule_sentencizer (pipeline/annotate/sentences.py): the
cases that matter in abstracts, and agreement with scispaCy's pysbd_sentencizer, whose
boundaries it reproduces on the same tokens."""

from __future__ import annotations

import json

import pytest
import spacy
from conftest import REPO, SHARED
from scispacy.custom_sentence_segmenter import pysbd_sentencizer  # noqa: F401  (registers "pysbd_sentencizer")

from pipeline.annotate.document import make_doc
from pipeline.annotate.nlp import TOKENIZER
from pipeline.annotate.sentences import BadAbbreviation
from pipeline.evaluate.anatem import read_anatem
from pipeline.evaluate.whitetext import read_whitetext
from pipeline.read import Record

DEMO = REPO / "corpora" / "demo" / "abstracts.jsonl"


def _pipeline(factory: str, config: dict | None = None) -> spacy.language.Language:
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe(factory, config=config or {})
    return nlp


@pytest.fixture(scope="module")
def ours():
    return _pipeline("pysbd_rule_sentencizer")


@pytest.fixture(scope="module")
def stock():
    return _pipeline("pysbd_sentencizer")


def sentences(nlp, text: str) -> list[str]:
    return [sentence.text for sentence in nlp(text).sents]


def starts(nlp, texts: list[str]) -> set[tuple[int, int]]:
    """(text number, character offset) of every sentence start but the first."""
    return {(n, sentence.start_char) for n, doc in enumerate(nlp.pipe(texts)) for sentence in doc.sents if sentence.start_char > 0}


def agreement(ours, stock, texts: list[str]) -> float:
    mine, theirs = starts(ours, texts), starts(stock, texts)
    return len(mine & theirs) / len(mine | theirs)


def test_journal_citations_stay_in_their_sentence(ours, stock):
    text = ("These projections were described in a companion paper (Burman et al. [2000] J. Comp. Neurol., this issue), "
            "and rubroolivary neurons were labeled. Motoneurons fired in bursts (Lev-Tov and Pinco [1992] J Physiol. "
            "447:149-169; Pinco and Lev-Tov [1993] J Neurophysiol. 70:1151-1158) observed in the neonatal rat.")
    expected = [
        "These projections were described in a companion paper (Burman et al. [2000] J. Comp. Neurol., this issue), "
        "and rubroolivary neurons were labeled.",
        "Motoneurons fired in bursts (Lev-Tov and Pinco [1992] J Physiol. 447:149-169; Pinco and Lev-Tov [1993] "
        "J Neurophysiol. 70:1151-1158) observed in the neonatal rat.",
    ]
    assert sentences(ours, text) == expected == sentences(stock, text)


def test_doses_routes_and_decimals_end_no_sentence(ours, stock):
    text = ("Naloxone (1 mg/kg, s.c.) precipitated a robust withdrawal syndrome. Clonidine (0.1 mg/kg, i.p.) reduced "
            "c-Fos induction in the LC by 60% (P < 0.05) after 7 days, e.g. in the rostral LC.")
    assert sentences(ours, text) == [
        "Naloxone (1 mg/kg, s.c.) precipitated a robust withdrawal syndrome.",
        "Clonidine (0.1 mg/kg, i.p.) reduced c-Fos induction in the LC by 60% (P < 0.05) after 7 days, e.g. in the rostral LC.",
    ] == sentences(stock, text)


def test_list_items_start_sentences_as_in_pysbd(ours, stock):
    text = ("Area 6 receives input from a specific set of thalamic nuclei: 1) M1; 2) the supplementary motor area; and "
            "3) the dorsal premotor cortex. Tracers were injected in (a) the corticorubral input from area 4, and "
            "(b) the rubrospinal projection.")
    assert sentences(ours, text) == [
        "Area 6 receives input from a specific set of thalamic nuclei:",
        "1) M1;",
        "2) the supplementary motor area; and",
        "3) the dorsal premotor cortex.",
        "Tracers were injected in",
        "(a) the corticorubral input from area 4, and",
        "(b) the rubrospinal projection.",
    ] == sentences(stock, text)


def test_numbered_paragraph_after_a_sentence(ours, stock):
    text = "Three cell types were recognised in scanning micrographs. (1) Pyriform cells. These cells divide."
    assert sentences(ours, text) == [
        "Three cell types were recognised in scanning micrographs.", "(1) Pyriform cells.", "These cells divide.",
    ] == sentences(stock, text)


def test_newlines_and_paragraphs(ours, stock):
    text = "Immunostaining and confocal analysis\nCells were fixed in 2% formalin.\n\nFigure 1\n\nFigure 2 Results were clear."
    assert sentences(ours, text) == sentences(stock, text)
    assert [s.strip() for s in sentences(ours, text)] == [
        "Immunostaining and confocal analysis", "Cells were fixed in 2% formalin.", "Figure 1", "Figure 2 Results were clear.",
    ]


def test_boundaries_set_before_are_kept(ours):
    """make_doc starts the abstract after a title without a final period; the sentencizer keeps that."""
    record = Record("1", "Orexin neurons and opioid withdrawal", "Orexin neurons project to the LC. They fire.", "test", "")
    doc = ours.get_pipe("pysbd_rule_sentencizer")(make_doc(ours, record))
    assert [s.text for s in doc.sents] == ["Orexin neurons and opioid withdrawal", "Orexin neurons project to the LC.", "They fire."]


def test_pipe_and_call_agree(ours):
    """The component has no pipe() of its own: nlp.pipe calls it on each Doc."""
    texts = ["One sentence. Another one.", "", "No final period", "Fig. 1 shows it. See also no. 5."]
    component = ours.get_pipe("pysbd_rule_sentencizer")
    piped = [[s.text for s in doc.sents] for doc in ours.pipe(texts, batch_size=2)]
    called = [[s.text for s in component(ours.make_doc(t)).sents] for t in texts]
    assert piped == called
    assert called[3] == ["Fig. 1 shows it.", "See also no. 5."]


def test_abbreviations_are_configured(ours):
    text = "The lesion was approx. 2 mm wide. It spared the cortex."
    assert sentences(ours, text) == ["The lesion was approx.", "2 mm wide.", "It spared the cortex."]  # not a pysbd abbreviation
    custom = _pipeline("pysbd_rule_sentencizer", {"abbreviations": ["approx", "al", "fig"]})
    assert sentences(custom, text) == ["The lesion was approx. 2 mm wide.", "It spared the cortex."]
    with pytest.raises(BadAbbreviation, match="'approx.'"):
        _pipeline("pysbd_rule_sentencizer", {"abbreviations": ["approx."]})


def test_the_pipeline_splits_with_it(nlp):
    assert "pysbd_rule_sentencizer" in nlp.pipe_names
    doc = nlp("Rats received morphine (10-50 mg/kg, s.c.) twice daily for 10 days. Withdrawal was precipitated with naloxone.")
    assert [s.text for s in doc.sents] == [
        "Rats received morphine (10-50 mg/kg, s.c.) twice daily for 10 days.", "Withdrawal was precipitated with naloxone.",
    ]


def test_agrees_with_pysbd_on_the_demo_corpus(ours, stock):
    texts = [(row["title"] + " " + row["abstract"]).strip() for row in map(json.loads, DEMO.read_text(encoding="utf-8").splitlines())]
    assert agreement(ours, stock, texts) == 1.0  # measured: the same 271 sentence starts


@pytest.mark.skipif(not (SHARED / "whitetext" / "train.xml").is_file() or not (SHARED / "anatem").is_dir(),
                    reason="needs ../shared/corpora (WhiteText, AnatEM)")
def test_agrees_with_pysbd_on_reference_abstracts_and_full_text(ours, stock):
    """WhiteText abstracts (one paragraph) and AnatEM sections and captions (titles, newlines, figure lists)."""
    whitetext = [d.record.text for _, d in zip(range(100), read_whitetext(SHARED / "whitetext" / "train.xml"))]
    anatem = [d.record.text for _, d in zip(range(100), read_anatem(SHARED / "anatem", "train"))]
    assert agreement(ours, stock, whitetext) == 1.0
    assert agreement(ours, stock, anatem) == 1.0
