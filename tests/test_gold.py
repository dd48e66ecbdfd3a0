"""The gold reader with negation and hedging flags (guidelines version 2), and the
per-mention negation and hedging evaluation (pipeline/evaluate/negation.py)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import REPO

from pipeline.errors import InputError
from pipeline.evaluate.corpus import Cue, GoldEntity, MentionContext
from pipeline.evaluate.evaluation import Corpus, evaluate_corpus
from pipeline.evaluate.gold import read_gold
from pipeline.evaluate.negation import END_TO_END, GOLD_MENTIONS, evaluate_context
from pipeline.evaluate.report import render_markdown, summary_lines
from pipeline.kb import LABELS

_spec = importlib.util.spec_from_file_location("gold_markup", REPO / "scripts" / "gold_markup.py")
gold_markup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gold_markup)

# Written in the annotators' markup (scripts/gold_markup.py), converted as they convert it.
MARKED = [
    {"id": "N1", "title": "[[Naloxone|DRUG]] in the [[amygdala|BRAIN_REGION]]",
     "abstract": "[[Clonidine|DRUG]] {{did not reduce|n1}} [[jumping|SYMPTOM|N=n1]], but reduced [[ptosis|SYMPTOM]]. "
                 "The [[BNST|BRAIN_REGION|H=h1]] {{may|h1}} mediate [[anxiety|SYMPTOM|H=h1]]."},
    {"id": "N2", "title": "",
     "abstract": "[[Fos|NEUROCHEMICAL]] rose in the [[BLA|BRAIN_REGION]] {{but not|n1}} in the [[CeA|BRAIN_REGION|N=n1]]; "
                 "[[diarrhea|SYMPTOM|N=n2]] {{was unchanged|n2}}."},
]


def write_gold(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(gold_markup.to_jsonl_record(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_flags_and_cues_are_read_beside_the_spans(tmp_path):
    [n1, n2] = read_gold(write_gold(tmp_path / "dev.jsonl", MARKED))
    text = n1.record.text
    by_text = {text[e.start:e.end]: n1.context[e] for e in n1.entities}
    assert by_text["jumping"] == MentionContext(True, False, Cue(text.index("did not"), text.index(" jumping"), "did not reduce"))
    assert by_text["Clonidine"] == MentionContext(False, False)  # the agent of the negated action
    assert by_text["BNST"].hedged and by_text["BNST"].hedge_cue.text == "may" and not by_text["BNST"].negated
    assert not by_text["ptosis"].negated
    # the spans are the scoring key, unchanged
    assert all(type(e) is GoldEntity for e in n2.entities) and len(n2.context) == len(n2.entities) == 4
    assert [n2.record.text[e.start:e.end] for e in n2.entities if n2.context[e].negated] == ["CeA", "diarrhea"]


def test_a_folder_reads_its_jsonl_files_in_name_order(tmp_path):
    write_gold(tmp_path / "gold" / "b.jsonl", MARKED[:1])
    write_gold(tmp_path / "gold" / "a.jsonl", MARKED[1:])
    (tmp_path / "gold" / "README.md").write_text("not a corpus file")
    assert [d.record.doc_id for d in read_gold(tmp_path / "gold")] == ["N2", "N1"]
    assert [d.record.source for d in read_gold(tmp_path / "gold")] == [str(tmp_path / "gold" / n) for n in ("a.jsonl", "b.jsonl")]


def test_version_1_records_read_without_context(tmp_path):
    record = gold_markup.to_jsonl_record(MARKED[0])
    for entity in record["entities"]:
        for key in ("negated", "hedged", "negation_cue", "hedge_cue"):
            entity.pop(key, None)
    path = tmp_path / "v1.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    [document] = read_gold(path)
    assert len(document.entities) == 7 and document.context == {}


@pytest.mark.parametrize("change, message", [
    (lambda e: e.pop("negation_cue"), r"'jumping': negated is true but it has no negation_cue"),
    (lambda e: e.update(negated=False), r"'jumping': negated is false but it has a negation_cue"),
    (lambda e: e["negation_cue"].update(start=e["negation_cue"]["start"] + 1), r"negation_cue 'did not reduce' of 'jumping' does not match"),
    (lambda e: e.update(hedged="no"), r"hedged is 'no', not true or false"),
])
def test_broken_flags_name_the_line(tmp_path, change, message):
    record = gold_markup.to_jsonl_record(MARKED[0])
    change(next(e for e in record["entities"] if e["text"] == "jumping"))
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(gold_markup.to_jsonl_record(MARKED[1])) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:line 2: malformed gold record: .*" + message):
        list(read_gold(path))


def test_context_scores_on_gold_mentions_and_end_to_end(nlp, tmp_path):
    documents = list(read_gold(write_gold(tmp_path / "dev.jsonl", MARKED)))
    result = evaluate_context(nlp, documents)
    assert result["documents"] == 2
    for setting in (GOLD_MENTIONS, END_TO_END):
        negated, hedged = result[setting]["negated"], result[setting]["hedged"]
        assert (negated["gold"], negated["predicted"], negated["correct"], negated["cue_correct"]) == (3, 3, 3, 3)
        assert (hedged["gold"], hedged["predicted"], hedged["correct"]) == (2, 2, 2)
        assert negated["precision"] == negated["recall"] == 1.0
    assert result[GOLD_MENTIONS]["negated"]["mentions"] == 11  # every gold mention is placed
    assert result["errors"] == []


def test_context_errors_are_listed_with_their_sentence(nlp, tmp_path):
    wrong = [dict(MARKED[1], abstract=MARKED[1]["abstract"].replace("[[diarrhea|SYMPTOM|N=n2]] {{was unchanged|n2}}",
                                                                     "[[diarrhea|SYMPTOM]] was unchanged"))]
    [document] = read_gold(write_gold(tmp_path / "dev.jsonl", wrong))
    result = evaluate_context(nlp, [document])
    assert result[GOLD_MENTIONS]["negated"]["precision"] == 0.5 and result[GOLD_MENTIONS]["negated"]["recall"] == 1.0
    assert result["errors"] == [{"doc_id": "N2", "mention": "diarrhea", "flag": "negated", "kind": "spurious",
                                 "cue": "unchanged", "sentence": "Fos rose in the BLA but not in the CeA; diarrhea was unchanged."}]


def test_a_flagged_corpus_reports_its_context(nlp, tmp_path):
    folder = tmp_path / "dev"
    write_gold(folder / "written.jsonl", MARKED)
    result = evaluate_corpus(Corpus("gold_dev", "gold dev", LABELS, folder, read_gold), nlp)
    assert result["context"][GOLD_MENTIONS]["negated"]["gold"] == 3
    markdown = render_markdown({"corpora": {"gold_dev": result}})
    assert "| gold mentions | negated | 11 | 3 | 3 | 1.000 | 1.000 | 1.000 | 1.000 |" in markdown
    assert any(line.startswith("gold_dev") and "negated (gold mentions)" in line for line in summary_lines({"corpora": {"gold_dev": result}}))
