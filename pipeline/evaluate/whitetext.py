"""WhiteText (French et al. 2009): PubMed XML with inline <BrainRegion> mentions.

Each <PubmedArticle> has <PMID>, <ArticleTitle> and <AbstractText>; brain-region
mentions are tagged inline, without attributes. Offsets are into title + " " +
abstract, the text kept exactly as in the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from lxml import etree

from pipeline.errors import InputError
from pipeline.evaluate.corpus import GoldDocument, GoldEntity, gold_document

BRAIN_REGION = "BRAIN_REGION"
MENTION_TAG = "BrainRegion"


def _flatten(element, offset: int) -> tuple[str, list[GoldEntity]]:
    """The text of an element and its <BrainRegion> spans, shifted by offset."""
    parts = [element.text or ""]
    entities = []
    position = offset + len(parts[0])
    for child in element:
        if child.tag != MENTION_TAG:
            raise InputError("", f"line {child.sourceline}", f"unexpected <{child.tag}> inside <{element.tag}>")
        mention = "".join(child.itertext())
        entities.append(GoldEntity(position, position + len(mention), BRAIN_REGION))
        tail = child.tail or ""
        parts += [mention, tail]
        position += len(mention) + len(tail)
    return "".join(parts), entities


def read_whitetext(path: str | Path) -> Iterator[GoldDocument]:
    """Yield each article of a WhiteText XML file with its BRAIN_REGION spans."""
    source = str(path)
    try:
        tree = etree.parse(source, etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError) as err:
        raise InputError(source, "", f"cannot read WhiteText XML: {err}") from None
    for article in tree.getroot().iter("PubmedArticle"):
        position = f"line {article.sourceline}"
        pmid, title_el, abstract_el = (article.find(tag) for tag in ("PMID", "ArticleTitle", "AbstractText"))
        if pmid is None or title_el is None or abstract_el is None:
            raise InputError(source, position, "article without PMID, ArticleTitle or AbstractText")
        try:
            title, title_entities = _flatten(title_el, 0)
            abstract, abstract_entities = _flatten(abstract_el, len(title) + 1)
        except InputError as err:
            raise InputError(source, err.position, err.message) from None
        yield gold_document(source, position, pmid.text.strip(), title, abstract, title_entities + abstract_entities)
