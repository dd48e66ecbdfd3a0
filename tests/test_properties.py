"""Property-based tests (hypothesis): whatever bytes or records come in, the readers, extract
and `annotate -` give only records, rejections with a reason, or one InputError of one line
naming the file; and read = processed + rejected. The examples are derandomized, so a run
is repeatable; a failure prints the smallest input that shows it."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.errors import InputError
from pipeline.read import FieldMap, Record, Rejection, read_file
from pipeline.read.jsonl import read_id_text_lines
from pipeline.read.records import YEARS
from pipeline.workflow import annotate_records, extract, graph

SETTINGS = settings(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = "Morphine withdrawal activated the locus coeruleus and the ventral tegmental area (VTA) in rats."

any_text = st.text(st.characters(exclude_categories=()), max_size=40)  # lone surrogates and control characters too
# Values that broke a later stage once, drawn often: lone surrogates, XML-illegal characters, separators,
# formulas, impossible years, and JSON values of the wrong type.
HOSTILE = ["\ud800", "x\udfffy", "\x00", "\x0cpage", "\x1b", "\ufffe", "\uffff", "a;b", "tab\there", "=1+1", "-2", "@x",
           99999999999, -5, 0, 10**30, 2014, "2011 Mar", float("nan"), float("inf"), True, None, "", [], {}]
hostile = st.sampled_from(HOSTILE)
texts = st.one_of(any_text, hostile, st.builds(lambda noise: f"{TEXT} Morphine {noise} reached the amygdala.", any_text | hostile))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text | hostile,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3), max_leaves=4,
)
records = st.fixed_dictionaries({"id": st.one_of(hostile, any_text, st.integers()), "abstract": texts}, optional={
    "title": st.one_of(texts, json_values), "year": st.one_of(hostile, st.integers(), any_text, json_values),
    "journal": st.one_of(hostile, any_text, json_values),
})
lines = st.one_of(records.map(json.dumps), json_values.map(json.dumps)).map(str.encode) | st.binary(max_size=60)
stdin_lines = st.fixed_dictionaries({"text": texts}, optional={"id": st.one_of(hostile, any_text, st.integers())}).map(
    json.dumps).map(str.encode) | lines
formats = {"jsonl": ".jsonl", "csv": ".csv", "tsv": ".tsv", "text": ".txt", "pubmed": ".xml"}
pubmed_skeletons = st.builds(
    lambda pmid, title, year: (
        '<?xml version="1.0" encoding="UTF-8"?><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>%s</PMID>'
        "<Article><Journal><JournalIssue><PubDate><Year>%s</Year></PubDate></JournalIssue></Journal>"
        "<ArticleTitle>%s</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>" % (pmid, year, title)
    ).encode("utf-8", "surrogatepass"),
    any_text, texts, any_text,
)


def check_items(items, path: Path) -> int:
    """Every item a Record that later stages can take, or a Rejection with a reason; the count.
    A file that cannot be read at all is an InputError of one line naming it."""
    try:
        items = list(items)
    except InputError as err:
        assert err.path == str(path) and "\n" not in str(err)
        return 0
    for item in items:
        assert isinstance(item, (Record, Rejection))
        if isinstance(item, Record):
            assert item.doc_id and item.text and item.doc_id == item.doc_id.strip()
            assert item.year is None or YEARS[0] <= item.year <= YEARS[1]
            for value in (item.doc_id, item.text, item.journal, *item.mesh):
                value.encode("utf-8")  # no lone surrogate reaches the tables
        else:
            assert item.reason and "\n" not in item.reason
    return len(items)


@settings(SETTINGS, max_examples=300)
@given(fmt=st.sampled_from(sorted(formats)), data=st.one_of(st.binary(max_size=300), st.lists(lines, max_size=6).map(b"\n".join),
                                                            pubmed_skeletons),
       compression=st.sampled_from(["none", "gzip", "truncated gzip"]))
def test_readers_give_records_rejections_or_one_line_errors(fmt, data, compression):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("input" + formats[fmt] + ("" if compression == "none" else ".gz"))
        if compression != "none":
            data = gzip.compress(data, mtime=0)
            data = data[: len(data) // 2] if compression == "truncated gzip" else data
        path.write_bytes(data)
        check_items(read_file(path, fmt, FieldMap()), path)


@settings(SETTINGS, max_examples=300)
@given(corpus=st.lists(records, min_size=1, max_size=5), fmt=st.sampled_from(["jsonl", "csv", "tsv"]))
def test_readers_take_any_record(corpus, fmt):
    """Records of any values (JSON types, surrogates, controls, any year) in JSONL, CSV and TSV."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"corpus.{fmt}"
        if fmt == "jsonl":
            path.write_text("".join(json.dumps(r) + "\n" for r in corpus), encoding="utf-8")
        else:
            with open(path, "w", encoding="utf-8", errors="surrogatepass", newline="") as handle:
                writer = csv.writer(handle, delimiter="," if fmt == "csv" else "\t")
                writer.writerow(["id", "title", "abstract", "year", "journal"])
                writer.writerows([r.get(c, "") for c in ("id", "title", "abstract", "year", "journal")] for r in corpus)
        assert check_items(read_file(path, fmt), path) in (0, len(corpus)) or fmt != "jsonl"


@settings(SETTINGS, max_examples=40)
@given(corpus=st.lists(records.map(json.dumps).map(str.encode) | lines, min_size=1, max_size=5))
def test_extract_and_graph_take_any_jsonl(corpus, small_nlp):
    """read = processed + rejected for any JSONL, and the graph is always well-formed XML."""
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "corpus.jsonl", Path(folder) / "out"
        source.write_bytes(b"\n".join(corpus) + b"\n")
        expected = check_items(read_file(source, "jsonl"), source)
        summary = extract([source], out, small_nlp)
        records = summary["records"]
        assert records["read"] == expected == records["processed"] + records["rejected"]
        concept_graph = graph([out], out / "graph.graphml", exports=["gexf"])
        etree.parse(str(out / "graph.graphml"), etree.XMLParser(recover=False))
        etree.parse(str(out / "graph.gexf"), etree.XMLParser(recover=False))
        assert nx.read_graphml(out / "graph.graphml").number_of_nodes() == concept_graph.number_of_nodes()


@settings(SETTINGS, max_examples=40)
@given(stdin=st.lists(stdin_lines, max_size=8).map(b"\n".join))
def test_annotate_stdin_reads_every_line(stdin, small_nlp):
    """Every line of `annotate -` that is not blank is annotated or rejected with its line number."""
    rejected = []
    items = read_id_text_lines(io.BytesIO(stdin))
    documents = list(annotate_records(items, small_nlp, rejected.append))

    def blank(number: int, line: bytes) -> bool:
        try:
            return not line.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError:
            return False

    assert len(documents) + len(rejected) == sum(not blank(n, line) for n, line in enumerate(io.BytesIO(stdin), start=1))
    assert len({r.position for r in rejected}) == len(rejected) and all("\n" not in r.reason for r in rejected)


@pytest.mark.parametrize("value", [None, "", "2011 Mar-Apr", 1, 9999, 0, 10_000, -1, 99999999999, "soon", 2014.7, True])
def test_years_are_checked_once(value):
    """A year is a number from 1 to 9999 (the documents table's int32; 0 means none in the graph), or no year."""
    from pipeline.read.records import parse_year

    try:
        year = parse_year(value)
    except ValueError as err:
        assert "out of range" in str(err) or "not a number" in str(err)
    else:
        assert year is None or YEARS[0] <= year <= YEARS[1]
