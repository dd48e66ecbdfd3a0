"""PubMed/MEDLINE XML as NCBI distributes it (PubmedArticleSet, .xml or .xml.gz).

The file is streamed with lxml's iterparse and each article is cleared once read, so
memory stays flat on a 30,000-citation baseline file. Entities are not resolved, no DTD
is loaded and the network is never used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from lxml import etree

from pipeline.errors import InputError
from pipeline.read.records import MALFORMED, Record, Rejection, make_record
from pipeline.read.source import open_binary

ROOT_TAGS = {"PubmedArticleSet"}


def _text(element) -> str:
    """All the text inside an element, inline markup such as <i> flattened."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _abstract(article) -> str:
    """The abstract; the labelled sections of a structured abstract joined as "LABEL: text"."""
    parts = []
    for section in article.iterfind("Abstract/AbstractText"):
        text = _text(section)
        label = (section.get("Label") or "").strip()
        if text:
            parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _year(article) -> str | None:
    date = article.find("Journal/JournalIssue/PubDate")
    if date is not None:
        year = date.findtext("Year") or (date.findtext("MedlineDate") or "")[:4]
        if year:
            return year
    return article.findtext("ArticleDate/Year")


def _citation(element, source: str, position: str) -> Record | Rejection:
    citation = element.find("MedlineCitation")
    if citation is None:
        return Rejection(source, position, f"{MALFORMED}: no MedlineCitation")
    article = citation.find("Article")
    pmid = citation.findtext("PMID")
    if article is None:
        return Rejection(source, position, f"{MALFORMED}: no Article", pmid)
    mesh = tuple(_text(name) for name in citation.iterfind("MeshHeadingList/MeshHeading/DescriptorName"))
    return make_record(
        source, position, pmid, _text(article.find("ArticleTitle")), _abstract(article),
        _year(article), _text(article.find("Journal/Title")), mesh,
    )


def read_pubmed_xml(path: str | Path) -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each PubmedArticle of a PubMed XML file."""
    source = str(path)
    with open_binary(path) as handle:
        events = etree.iterparse(
            handle, events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=True, remove_comments=True,
        )
        number = 0
        root_checked = False
        try:
            for event, element in events:
                if not root_checked:
                    root_checked = True
                    if element.tag not in ROOT_TAGS:
                        raise InputError(source, f"line {element.sourceline}", f"expected a PubmedArticleSet, found <{element.tag}>")
                if event != "end" or element.tag not in ("PubmedArticle", "DeleteCitation"):
                    continue
                if element.tag == "PubmedArticle":
                    number += 1
                    yield _citation(element, source, f"record {number} (line {element.sourceline})")
                element.clear(keep_tail=False)
                parent = element.getparent()
                while element.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as err:
            line, column = err.position if err.position else (0, 0)
            message = " ".join(str(err.msg).split(", line ")[0].split()) if err.msg else "not well-formed"
            raise InputError(source, f"line {line}, column {column}", f"not well-formed XML: {message}") from None
