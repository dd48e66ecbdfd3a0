"""Readers: every format, and broken input of every kind."""

from __future__ import annotations

import gzip
import os
import json
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.read import FieldMap, Record, Rejection, list_inputs, read_corpus
from pipeline.read.delimited import read_delimited
from pipeline.read.jsonl import read_jsonl
from pipeline.read.pubmed import read_pubmed_xml
from pipeline.read.text import read_text

REPO = Path(__file__).parent.parent

PUBMED = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">11111111</PMID>
<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Internet"><PubDate><Year>2015</Year></PubDate></JournalIssue>
<Title>Neuropsychopharmacology</Title></Journal>
<ArticleTitle>Kappa opioid receptors in the <i>rat</i> amygdala during withdrawal</ArticleTitle>
<Abstract><AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Dynorphin signals aversion.</AbstractText>
<AbstractText Label="RESULTS" NlmCategory="RESULTS">Naloxone-precipitated withdrawal increased c-Fos &amp; anxiety.</AbstractText></Abstract>
</Article>
<MeshHeadingList><MeshHeading><DescriptorName UI="D009020" MajorTopicYN="N">Morphine</DescriptorName></MeshHeading>
<MeshHeading><DescriptorName UI="D051381" MajorTopicYN="N">Rats</DescriptorName></MeshHeading></MeshHeadingList>
</MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">22222222</PMID>
<Article><Journal><JournalIssue><PubDate><MedlineDate>2011 Mar-Apr</MedlineDate></PubDate></JournalIssue><Title>Brain Res</Title></Journal>
<ArticleTitle>Locus coeruleus activity in opiate withdrawal</ArticleTitle>
<Abstract><AbstractText>Clonidine reduced locus coeruleus firing.</AbstractText></Abstract></Article>
</MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="1">33333333</PMID>
<Article><Journal><JournalIssue><PubDate><Year>2012</Year></PubDate></JournalIssue><Title>X</Title></Journal>
<ArticleTitle></ArticleTitle></Article>
</MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><Article><ArticleTitle>No PMID here</ArticleTitle></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"""


def split(items):
    items = list(items)
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Rejection)]


def test_jsonl_reads_records_and_rejects_bad_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    lines = [
        json.dumps({"id": "1", "title": "Morphine withdrawal", "abstract": "The VTA was active.", "year": 2014, "journal": "J Neurosci"}).encode(),
        b"",
        b'{"id": "2", "title": "", "abstract": "  "}',
        b"{not json",
        b'["a list"]',
        b'{"id": "3", "abstract": "bad \xff byte"}',
        json.dumps({"id": "4", "abstract": "Year is words.", "year": "soon"}).encode(),
        json.dumps({"id": "5", "abstract": ["not", "a", "string"]}).encode(),
        json.dumps({"title": "no id", "abstract": "text"}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    records, rejections = split(read_jsonl(path))
    assert [(r.doc_id, r.text, r.year, r.journal, r.position) for r in records] == [
        ("1", "Morphine withdrawal The VTA was active.", 2014, "J Neurosci", "line 1")
    ]
    reasons = {r.position: r.reason for r in rejections}
    assert reasons["line 3"] == "empty text"
    assert reasons["line 4"].startswith("malformed record: Expecting property name")
    assert reasons["line 5"] == "malformed record: not a JSON object"
    assert reasons["line 6"].startswith("bad encoding")
    assert reasons["line 7"] == "malformed record: year 'soon' is not a number"
    assert reasons["line 8"] == "malformed record: abstract is not a string"
    assert reasons["line 9"] == "malformed record: no id"
    assert all(r.source == str(path) for r in rejections)


def test_jsonl_field_names_are_configurable(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps({"pmid": 7, "ti": "Title", "ab": "Abstract text."}) + "\n", encoding="utf-8")
    (record,) = read_jsonl(path, FieldMap.parse(["id=pmid", "title=ti", "abstract=ab"]))
    assert (record.doc_id, record.title, record.abstract) == ("7", "Title", "Abstract text.")
    with pytest.raises(ValueError, match="unknown field role"):
        FieldMap.parse(["pmid=id"])


def test_csv_and_tsv(tmp_path):
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(
        'id,title,abstract,year\n1,"Stress, CRF and relapse","CRF in the BNST, then ""relapse"".",2019\n'
        "2,only,three,fields,too many\n3,,,\n", encoding="utf-8",
    )
    records, rejections = split(read_delimited(csv_path))
    assert [(r.doc_id, r.title, r.abstract, r.year) for r in records] == [
        ("1", "Stress, CRF and relapse", 'CRF in the BNST, then "relapse".', 2019)
    ]
    assert [(r.position, r.reason) for r in rejections] == [
        ("line 3", "malformed record: 4 columns expected"), ("line 4", "empty text")
    ]
    tsv_path = tmp_path / "a.tsv"
    tsv_path.write_text("PMID\tAB\n9\tDynorphin and KOR.\n", encoding="utf-8")
    (record,) = read_delimited(tsv_path, FieldMap(id="PMID", abstract="AB"), delimiter="\t")
    assert (record.doc_id, record.text) == ("9", "Dynorphin and KOR.")


def test_csv_without_id_column_is_a_file_error(tmp_path):
    path = tmp_path / "noid.csv"
    path.write_text("title,abstract\nA,B\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"noid.csv:line 1: header must name the columns 'id'"):
        list(read_delimited(path))


def test_text_files(tmp_path):
    (tmp_path / "PMC123.txt").write_text("Heroin withdrawal and the insula.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 latin-1")
    (tmp_path / "README.md").write_text("not a document", encoding="utf-8")
    inputs = list_inputs([tmp_path])
    assert [(p.name, f) for p, f in inputs] == [("PMC123.txt", "text"), ("bad.txt", "text")]
    (good,) = read_text(tmp_path / "PMC123.txt")
    assert (good.doc_id, good.text) == ("PMC123", "Heroin withdrawal and the insula.")
    (bad,) = read_text(tmp_path / "bad.txt")
    assert isinstance(bad, Rejection) and bad.reason.startswith("bad encoding") and bad.position == "byte 3"


def test_pubmed_xml(tmp_path):
    path = tmp_path / "sample.xml.gz"
    path.write_bytes(gzip.compress(PUBMED.encode()))
    records, rejections = split(read_pubmed_xml(path))
    first, second = records
    assert first.doc_id == "11111111"
    assert first.title == "Kappa opioid receptors in the rat amygdala during withdrawal"
    assert first.abstract == "BACKGROUND: Dynorphin signals aversion. RESULTS: Naloxone-precipitated withdrawal increased c-Fos & anxiety."
    assert (first.year, first.journal, first.mesh) == (2015, "Neuropsychopharmacology", ("Morphine", "Rats"))
    assert (second.doc_id, second.year, second.journal) == ("22222222", 2011, "Brain Res")
    assert [(r.doc_id, r.reason) for r in rejections] == [("33333333", "empty text"), (None, "malformed record: no id")]
    assert rejections[1].position.startswith("record 4 (line ")


def test_malformed_xml_names_file_and_position(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text(PUBMED.replace("</PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID Version=\"1\">22222222", "</PubmedArticle>\n<PubmedArticle><MedlineCitation><PMID Version=\"1\">22222222</Wrong>"), encoding="utf-8")
    items = read_pubmed_xml(path)
    assert isinstance(next(items), Record)  # the articles before the error are read
    with pytest.raises(InputError) as err:
        list(items)
    message = str(err.value)
    assert message.startswith(f"{path}:line 14, column ") and "not well-formed XML" in message
    assert "\n" not in message


def test_xml_that_is_not_pubmed(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<PubmedArticles><PubmedArticle/></PubmedArticles>", encoding="utf-8")
    with pytest.raises(InputError, match="expected a PubmedArticleSet"):
        list(read_pubmed_xml(path))


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<ArticleTitle>Title &x;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>",
        encoding="utf-8",
    )
    (record,) = read_pubmed_xml(path)
    assert "SECRET" not in record.text


def test_corpus_rejects_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "1", "abstract": "first"}) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,abstract\n1,second\n2,third\n", encoding="utf-8")
    records, rejections = split(read_corpus([tmp_path]))
    assert [r.doc_id for r in records] == ["1", "2"]
    (duplicate,) = rejections
    assert duplicate.reason == f"duplicate id (first at {tmp_path / 'a.jsonl'}:line 1)"


def test_unknown_or_missing_inputs(tmp_path):
    (tmp_path / "notes.docx").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="unknown format"):
        list_inputs([tmp_path / "notes.docx"])
    with pytest.raises(InputError, match="no such file"):
        list_inputs([tmp_path / "absent.jsonl"])
    assert list_inputs([tmp_path / "notes.docx"], "jsonl") == [(tmp_path / "notes.docx", "jsonl")]


def test_demo_corpus_reads_completely():
    records, rejections = split(read_corpus([REPO / "corpora" / "demo"]))
    assert len(records) >= 40 and not rejections
    formats = {f for _, f in list_inputs([REPO / "corpora" / "demo"])}
    assert formats == {"jsonl", "pubmed"}


def test_a_file_name_that_is_not_utf8_is_an_input_error(tmp_path):
    """The tables and rejects.jsonl name each record's file, so its name must be text."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / os.fsdecode(b"a\xff.jsonl")).write_text('{"id": "1", "abstract": "Morphine."}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"a\\udcff\.jsonl: the file name is not valid UTF-8: rename the file"):
        list_inputs([folder])
