"""array_abbreviation_detector finds exactly what scispaCy's AbbreviationDetector finds."""

from __future__ import annotations

import json

from conftest import REPO, SHARED
from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.whitetext import read_whitetext

DEMO = REPO / "corpora" / "demo"


def pairs(nlp, texts):
    """(short form offsets, long form offsets) of each document, the documents run in turn
    through one pipeline (the stock detector carries state from one document to the next)."""
    return [
        sorted((a.start_char, a.end_char, a._.long_form.start_char, a._.long_form.end_char) for a in doc._.abbreviations)
        for doc in nlp.pipe(texts)
    ]


def detector_only(factory):
    """The project's tokenizer and the abbreviation detector made by `factory`, nothing else."""
    nlp = build_nlp(ner=False)
    for name in [p for p in nlp.pipe_names if p != "abbreviation_detector"]:
        nlp.remove_pipe(name)
    nlp.replace_pipe("abbreviation_detector", factory)
    return nlp


def real_texts() -> list[str]:
    """The demo abstracts, and the WhiteText train abstracts when ../shared is there."""
    texts = [f"{r['title']} {r['abstract']}" for r in map(json.loads, (DEMO / "abstracts.jsonl").read_text(encoding="utf-8").splitlines())]
    whitetext = SHARED / "whitetext" / "train.xml"
    if whitetext.is_file():
        texts += [d.record.text for d in read_whitetext(whitetext)]
    return texts


def test_same_abbreviations_as_scispacy():
    ours, stock = detector_only("array_abbreviation_detector"), detector_only("abbreviation_detector")
    assert type(ours.get_pipe("abbreviation_detector")).__name__ == "ArrayAbbreviationDetector"
    assert type(stock.get_pipe("abbreviation_detector")).__name__ == "AbbreviationDetector"
    texts = real_texts()
    found = pairs(ours, texts)
    assert sum(map(len, found)) > 100
    assert found == pairs(stock, texts)
