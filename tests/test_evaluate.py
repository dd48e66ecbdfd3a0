"""Evaluation: corpus readers, strict and lenient scores, reports."""

from __future__ import annotations

import json

import pytest
from conftest import DATA, SHARED

from pipeline.errors import InputError
from pipeline.evaluate.anatem import anatem_label, read_anatem
from pipeline.evaluate.corpus import GoldEntity
from pipeline.evaluate.evaluation import COMBINED, LEXICON, corpora, evaluate_corpus
from pipeline.evaluate.gold import GOLD_DEV, GOLD_TEST, gold_files, read_gold
from pipeline.evaluate.report import EVAL_JSON, EVAL_MD, write_report
from pipeline.evaluate.scoring import ALL, score
from pipeline.evaluate.whitetext import read_whitetext
from pipeline.kb import LABELS


def E(start, end, label="BRAIN_REGION"):
    return GoldEntity(start, end, label)


def test_strict_and_lenient_scores_by_hand():
    gold = [E(0, 5, "A"), E(10, 20, "A"), E(30, 35, "B")]
    predicted = [E(0, 5, "A"), E(12, 18, "A"), E(30, 35, "A"), E(40, 45, "B")]
    table = score([(gold, predicted)], ["A", "B"])
    a = table["A"].metrics()
    # A: 2 gold, 3 predicted, 1 exact; lenient: 2 of 3 predictions overlap an A, both gold A are found
    assert (table["A"].gold, table["A"].predicted, table["A"].strict_correct) == (2, 3, 1)
    assert a["strict_p"] == pytest.approx(1 / 3) and a["strict_r"] == pytest.approx(1 / 2) and a["strict_f1"] == pytest.approx(0.4)
    assert a["lenient_p"] == pytest.approx(2 / 3) and a["lenient_r"] == 1.0 and a["lenient_f1"] == pytest.approx(0.8)
    # B: the prediction with the right offsets but the wrong label does not count for B
    assert table["B"].metrics()["strict_f1"] == 0.0 and table["B"].metrics()["lenient_r"] == 0.0
    total = table[ALL]
    assert (total.gold, total.predicted, total.strict_correct) == (3, 4, 1)
    assert total.metrics()["strict_p"] == pytest.approx(0.25)


def test_one_long_prediction_finds_two_gold_spans_leniently_only():
    table = score([([E(0, 8), E(12, 20)], [E(0, 20)])], ["BRAIN_REGION"])
    m = table["BRAIN_REGION"].metrics()
    assert (m["strict_p"], m["strict_r"]) == (0.0, 0.0)
    assert (m["lenient_p"], m["lenient_r"]) == (1.0, 1.0)
    assert ALL not in table  # a single label has no micro average row


def test_scores_add_up_over_documents():
    pairs = [([E(0, 4)], [E(0, 4)]), ([E(0, 4)], []), ([], [E(5, 9)])]
    m = score(pairs, ["BRAIN_REGION"])["BRAIN_REGION"].metrics()
    assert m["strict_p"] == 0.5 and m["strict_r"] == 0.5


WHITETEXT = """<?xml version="1.0" encoding="UTF-8" ?>
<PubmedArticles>
<PubmedArticle><PMID>1</PMID>
<ArticleTitle>Projections of the <BrainRegion>locus coeruleus</BrainRegion>.</ArticleTitle>
<AbstractText>Cells in the <BrainRegion>subthalamic nucleus</BrainRegion>(STh) project to the <BrainRegion>GP</BrainRegion>.</AbstractText></PubmedArticle>
</PubmedArticles>
"""


def test_whitetext_offsets_are_into_title_space_abstract(tmp_path):
    path = tmp_path / "wt.xml"
    path.write_text(WHITETEXT, encoding="utf-8")
    [document] = list(read_whitetext(path))
    text = document.record.text
    assert text.startswith("Projections of the locus coeruleus. Cells in the subthalamic")
    assert [(text[e.start:e.end], e.label) for e in document.entities] == [
        ("locus coeruleus", "BRAIN_REGION"), ("subthalamic nucleus", "BRAIN_REGION"), ("GP", "BRAIN_REGION"),
    ]


def test_whitetext_other_tags_fail_with_the_position(tmp_path):
    path = tmp_path / "wt.xml"
    path.write_text(WHITETEXT.replace("<BrainRegion>GP</BrainRegion>", "<Drug>GP</Drug>"), encoding="utf-8")
    with pytest.raises(InputError, match=r"wt\.xml:line 5: unexpected <Drug>"):
        list(read_whitetext(path))


@pytest.mark.parametrize("anatem_type, text, label", [
    ("Organ", "brain", "BRAIN_REGION"), ("Multi-tissue_structure", "hippocampal", "BRAIN_REGION"),
    ("Multi-tissue_structure", "middle cerebral artery", None), ("Multi-tissue_structure", "left ventricular", None),
    ("Organ", "liver", None), ("Cell", "cortical neurons", None), ("Organism_substance", "cerebrospinal fluid", None),
    ("Anatomical_system", "central nervous system", "NEURAL_SYSTEM"), ("Anatomical_system", "immune system", None),
    ("Anatomical_system", "hypothalamic-pituitary-adrenal axis", "NEURAL_SYSTEM"), ("Developing_anatomical_structure", "embryonic axis", None),
])
def test_anatem_types_map_to_our_labels(anatem_type, text, label):
    assert anatem_label(anatem_type, text) == label


def anatem_entities(tmp_path, text: str, ann: str) -> list[tuple[str, str]]:
    """(text, label) of the entities read_anatem gives for one document written to tmp_path."""
    folder = tmp_path / "standoff" / "test"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "a.ann").write_text(ann, encoding="utf-8")
    [document] = list(read_anatem(tmp_path))
    return [(text[e.start:e.end], e.label) for e in document.entities]


def test_anatem_standoff_reader(tmp_path):
    text = "Lesions of the rat striatum and liver spared cortical neurons of the brain stem."
    ann = ("T1\tMulti-tissue_structure 19 27\tstriatum\nT2\tOrgan 32 37\tliver\nT3\tCell 45 61\tcortical neurons\n"
           "T4\tMulti-tissue_structure 69 74;75 79\tbrain stem\n#1\tAnnotatorNotes T1\tnote\n")
    assert anatem_entities(tmp_path, text, ann) == [("striatum", "BRAIN_REGION"), ("brain stem", "BRAIN_REGION")]


def test_anatem_short_forms_of_mapped_mentions_take_their_label(tmp_path):
    text = "LHRH in the mediobasal hypothalamus (MBH) and the liver (LV); the MBH pulse generator; LV mass."
    ann = ("T1\tMulti-tissue_structure 12 35\tmediobasal hypothalamus\nT2\tMulti-tissue_structure 37 40\tMBH\n"
           "T3\tOrgan 50 55\tliver\nT4\tOrgan 57 59\tLV\nT5\tMulti-tissue_structure 66 69\tMBH\nT6\tOrgan 87 89\tLV\n")
    assert anatem_entities(tmp_path, text, ann) == [
        ("mediobasal hypothalamus", "BRAIN_REGION"), ("MBH", "BRAIN_REGION"), ("MBH", "BRAIN_REGION")]


def test_anatem_offsets_that_miss_the_text_fail(tmp_path):
    with pytest.raises(InputError, match=r"a\.ann:line 1: offsets 0 5 do not give the text 'brain'"):
        anatem_entities(tmp_path, "the brain", "T1\tOrgan 0 5\tbrain\n")


def test_project_gold_corpus_reads_whole():
    dev, test = list(read_gold(GOLD_DEV)), list(read_gold(GOLD_TEST))
    assert len(dev) + len(test) >= 100 and len(test) >= 40
    for part in (dev, test):
        assert {e.label for d in part for e in d.entities} == set(LABELS)
        assert sum(len(d.entities) for d in part) >= 1500
    assert not {d.record.doc_id for d in dev} & {d.record.doc_id for d in test}


def test_gold_reader_names_the_bad_line(tmp_path):
    good = gold_files(GOLD_DEV)[0].read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(good)
    record["entities"][0]["start"] += 1
    path = tmp_path / "gold.jsonl"
    path.write_text(good + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"gold\.jsonl:line 2: malformed gold record: entity .* does not match"):
        list(read_gold(path))


def test_gold_corpus_evaluation_scores_every_label_and_mode(nlp):
    gold = [c for c in corpora() if c.name == "gold_dev"][0]
    result = evaluate_corpus(gold, nlp)
    assert result["gold_mentions"] == sum(len(d.entities) for d in read_gold(GOLD_DEV))
    expected_modes = {LEXICON} | ({"ner", COMBINED} if "entity_merger" in nlp.pipe_names else set())
    assert expected_modes <= set(result["modes"])
    for mode, table in result["modes"].items():
        assert set(table) == set(LABELS) | {ALL}
        overall = table[ALL]
        assert overall["gold"] == result["gold_mentions"]
        assert 0 < overall["strict_f1"] <= overall["lenient_f1"] <= 1


def test_reports_are_deterministic(tmp_path, nlp):
    gold = [c for c in corpora() if c.name == "gold_dev"][0]
    results = {"corpora": {"gold_dev": evaluate_corpus(gold, nlp)}}
    first = [p.read_bytes() for p in write_report(results, tmp_path / "a")]
    second = [p.read_bytes() for p in write_report(results, tmp_path / "b")]
    assert first == second
    assert (tmp_path / "a" / EVAL_JSON).exists() and b"make eval" in (tmp_path / "a" / EVAL_MD).read_bytes()


@pytest.mark.skipif(not (SHARED / "whitetext" / "dev.xml").exists(), reason="needs ../shared/corpora/whitetext (reference corpora absent)")
def test_whitetext_dev_evaluation_smoke(nlp):
    whitetext = [c for c in corpora(SHARED) if c.name == "whitetext_dev"][0]
    result = evaluate_corpus(whitetext, nlp)
    assert result["documents"] == 144 and result["gold_mentions"] == 1687
    assert 0 < result["modes"][LEXICON]["BRAIN_REGION"]["strict_f1"] < 1


def test_short_forms_that_whitetext_leaves_unannotated():
    from pipeline.annotate.abbreviations import is_short_form

    assert all(is_short_form(t) for t in ("PAG", "NTS", "dLGN", "nBOR", "CeA", "BNST"))
    assert not any(is_short_form(t) for t in ("CA1", "V1", "S1", "amygdala", "Amygdala", "locus coeruleus", "A"))


IOB = (
    "-DOCSTART-\tO\n\n"
    "Morphine\tB-Chemical\n-\tO\ninduced\tO\ndiarrhea\tB-Disease\nin\tO\nParkinson\tB-Disease\n'\tI-Disease\ns\tI-Disease\n"
    "disease\tI-Disease\n(\tO\nPD\tB-Disease\n)\tO\n.\tO\n"
    "\n"
    "Naloxone\tI-Chemical\nreversed\tO\nit\tO\n.\tO\n"
)


def test_iob_sentences_text_and_mentions(tmp_path):
    from pipeline.evaluate.iob import read_iob, sentence_text, tokens_covering

    path = tmp_path / "tiny.tsv"
    path.write_text(IOB, encoding="utf-8")
    first, second = read_iob(path)
    text, offsets = first.text_and_offsets()
    assert text == "Morphine-induced diarrhea in Parkinson's disease (PD)."
    assert [text[a:b] for a, b in (offsets[s] for s, _, _ in first.mentions)] == ["Morphine", "diarrhea", "Parkinson", "PD"]
    assert first.mentions == ((0, 1, "Chemical"), (3, 4, "Disease"), (5, 9, "Disease"), (10, 11, "Disease"))
    assert first.line == 3 and second.line == 17
    assert second.mentions == ((0, 1, "Chemical"),)   # an I- after a sentence break starts a mention (IOB1)
    assert tokens_covering(offsets, 0, 16) == (0, 3)  # "Morphine-induced" covers three file tokens
    assert tokens_covering(offsets, 29, 38) == (5, 6)
    assert sentence_text(["5", "-", "HT", "/", "DA", "ratio", "(", "x", ")", ";", "y"])[0] == "5-HT/DA ratio (x); y"


@pytest.mark.parametrize("content, message", [
    ("Morphine\tB-Chemical\nbadline\n", "tiny.tsv:line 2: expected TOKEN<TAB>TAG"),
    ("Morphine\tB-Chemical\nbad line\n", "tiny.tsv:line 2: tag 'line' is not O"),
    ("Morphine\tB\n", "tiny.tsv:line 1: tag 'B' is not O, B-<type> or I-<type>"),
    ("Morphine\tX-Chemical\n", "tiny.tsv:line 1: tag 'X-Chemical'"),
    ("\n\n", "tiny.tsv: no sentences"),
])
def test_iob_errors_name_the_file_and_line(tmp_path, content, message):
    from pipeline.evaluate.iob import read_iob

    path = tmp_path / "tiny.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        list(read_iob(path))


def test_eval_iob_json_scores_the_files_types_with_our_labels(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    path = tmp_path / "tiny.tsv"
    # the fixture knowledge base knows morphine (DRUG) and diarrhea (SYMPTOM), not naloxone, PD or Gene
    path.write_text(IOB + "\nMOR\tB-Gene\nagonists\tO\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--iob", str(path), "--json", "--kb", str(DATA / "kb"), "--no-ner"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert set(scores) == {"sentences", "types", "all"} and scores["sentences"] == 3
    assert scores["types"]["Chemical"]["strict"] == {"p": 1.0, "r": 0.5, "f1": round(2 / 3, 4)}
    assert scores["types"]["Disease"]["strict"] == {"p": 1.0, "r": round(1 / 3, 4), "f1": 0.5}
    assert scores["types"]["Gene"]["strict"] == {"p": 0.0, "r": 0.0, "f1": 0.0}   # no label maps onto Gene: MOR (RECEPTOR) is not scored
    assert scores["all"]["strict"] == {"p": 1.0, "r": round(2 / 6, 4), "f1": 0.5}
    bad = CliRunner().invoke(cli, ["eval", "--iob", str(tmp_path / "absent.tsv"), "--json"])
    assert bad.exit_code == 1 and "absent.tsv: cannot read the IOB file" in bad.output
