"""Worksheet for auditing the synonyms of the brain regions this literature mentions most.

Runs the lexicon (no NER) over the demo corpus, WhiteText train+dev and AnatEM (all
splits), counts BRAIN_REGION mentions per concept, and for each of the `--top`
commonest concepts lists every alias with where the reference lexicons put it:

* `uberon`  UBERON ids that have the alias as label (L) or exact/related/narrow
  synonym (E/R/N), e.g. `0002887:R`;
* `allen`   Allen CCF structures named so; `paxinos` the Allen structures that Franklin-Paxinos
  names so map to;
* `neuronames`  the canonical NeuroNames name of each token whose variant it is.

`flag` marks what a person should read: `other-concept` (a lexicon names another
knowledge-base concept with this alias as its label, exact synonym or atlas name),
`weak` (only UBERON related/narrow synonyms or NeuroNames variants support it),
`none` (no lexicon has it: curated or generated). `corpus_hits` counts the mentions
whose normalised text is this alias.

A second sheet lists the widening traps: atlas names made of positional words and another
concept's alias ("central medial thalamic nucleus" = "central" + "medial thalamic nucleus",
"rostromedial tegmental nucleus" = "rostromedial" + "tegmental nucleus") that no concept
has, so that the matcher, which takes positional words into a region mention, would read
them as that other concept; `corpus_hits` counts them in the corpora.

Usage: .venv/bin/python scripts/audit_brain_regions.py [--shared ../shared/corpora] [--top 300]
       [--out reports/kb_audit_regions.tsv] [--traps reports/kb_audit_traps.tsv]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from lxml import etree

from pipeline.annotate.concept_matcher import REGION_MODIFIERS
from pipeline.annotate.nlp import build_nlp
from pipeline.annotate.normalize import normalize_word
from pipeline.evaluate.anatem import read_anatem
from pipeline.evaluate.whitetext import read_whitetext
from pipeline.files.atomic import atomic_open
from pipeline.kb import load_kb
from pipeline.read import Record, read_corpus

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("rank", "concept_id", "name", "mentions", "alias", "kind", "corpus_hits", "uberon", "allen", "paxinos", "neuronames", "flag")


def key(text: str) -> str:
    """Comparison key: the matcher's normal form of each word (normalize.py), hyphens as spaces."""
    return " ".join(normalize_word(w) for w in re.sub(r"[-\s]+", " ", text).split())


def corpus_records(shared: Path) -> list[Record]:
    """The demo corpus, WhiteText train and dev, AnatEM train, devel and test."""
    records = [r for r in read_corpus([REPO / "corpora" / "demo"]) if isinstance(r, Record)]
    for name in ("train.xml", "dev.xml"):
        records += [doc.record for doc in read_whitetext(shared / "whitetext" / name)]
    for split in ("train", "devel", "test"):
        records += [doc.record for doc in read_anatem(shared / "anatem", split)]
    return records


def lexicon_evidence(lexicons: Path) -> dict[str, dict[str, set[str]]]:
    """alias key -> {source: {entity[:scope]}} from the four reference lexicons."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for term in json.loads((lexicons / "uberon_brain_structures.json").read_text(encoding="utf-8")):
        found[key(term["name"])]["uberon"].add(f"{term['id']}:L")
        for synonym, scope in term.get("synonyms") or []:
            found[key(synonym)]["uberon"].add(f"{term['id']}:{scope}")
    with open(lexicons / "allen_structure_tree.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found[key(row["name"])]["allen"].add(row["id"])
    with open(lexicons / "allen_structure_tree.csv", encoding="utf-8") as handle:
        allen_id = {row["acronym"]: row["id"] for row in csv.DictReader(handle)}
    with open(lexicons / "franklin_paxinos_structure_tree.csv", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("Franklin-Paxinos Full name") or "").strip()
            if name:   # the Allen structure Paxinos maps it to
                found[key(name)]["paxinos"].add(allen_id.get((row.get("Allen abbreviation") or "").strip(), "?"))
    for token in etree.parse(str(lexicons / "neuronames_bluima.xml")).getroot().iter("token"):
        for variant in token.iter("variant"):
            found[key(variant.get("base", ""))]["neuronames"].add(token.get("canonical", ""))
    return found


def widening_traps(kb, evidence: dict, texts: str) -> list[tuple]:
    """(corpus hits, atlas name, the alias it would be read as, that alias' concepts) for every
    atlas name of positional words + another concept's alias that no concept has."""
    owners: dict[str, set[str]] = defaultdict(set)
    for concept in kb:
        if concept.type == "BRAIN_REGION":
            for alias in (concept.name, *concept.synonyms):
                owners[key(alias)].add(concept.id)
    rows = []
    for name in sorted(evidence):
        words = name.split()
        if len(words) < 2 or words[0] not in REGION_MODIFIERS or name in owners:
            continue
        for i in range(1, len(words)):
            rest = " ".join(words[i:])
            if rest in owners:
                hits = len(re.findall(r"\b" + re.escape(name) + r"\b", texts))
                rows.append((hits, name, rest, " ".join(sorted(owners[rest]))))
                break
            if words[i] not in REGION_MODIFIERS:
                break
    return sorted(rows, key=lambda r: (-r[0], r[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--top", type=int, default=300)
    parser.add_argument("--out", type=Path, default=REPO / "reports" / "kb_audit_regions.tsv")
    parser.add_argument("--traps", type=Path, default=REPO / "reports" / "kb_audit_traps.tsv")
    args = parser.parse_args()
    kb = load_kb()
    nlp = build_nlp(ner=False)
    mentions: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    records = corpus_records(args.shared)
    for doc in nlp.pipe((r.text for r in records), batch_size=64):
        for ent in doc.ents:
            if ent.label_ == "BRAIN_REGION":
                mentions[ent.kb_id_] += 1
                surfaces[ent.kb_id_][key(ent.text)] += 1
    evidence = lexicon_evidence(args.shared / "brain_lexicons")
    # which knowledge-base concept each UBERON id / Allen id / NeuroNames canonical name is
    owner: dict[str, str] = {}
    for concept in kb:
        if concept.type != "BRAIN_REGION":
            continue
        if concept.id.startswith("UBERON:"):
            owner["uberon:" + concept.id.removeprefix("UBERON:")] = concept.id
        for xref in concept.xrefs:
            if xref.startswith("ALLEN:MBA:"):
                owner["allen:" + xref.removeprefix("ALLEN:MBA:")] = concept.id
    rows = []
    ranked = sorted(mentions, key=lambda c: (-mentions[c], c))[: args.top]
    for rank, concept_id in enumerate(ranked, 1):
        concept = kb[concept_id]
        aliases = [(concept.name, "name"), *((s, "synonym") for s in concept.synonyms),
                   *((a, "abbreviation") for a in concept.abbreviations),
                   *((a, "if_defined") for a in concept.abbreviations_if_defined)]
        for alias, kind in aliases:
            ev = evidence.get(key(alias), {})
            uberon = sorted(ev.get("uberon", ()))
            allen = sorted(ev.get("allen", ()))
            strong_elsewhere = [u for u in uberon if u[-1] in "LE" and owner.get("uberon:" + u[:-2], concept_id) != concept_id]
            allen_like = allen + sorted(ev.get("paxinos", ()))
            strong_elsewhere += [a for a in allen_like if owner.get("allen:" + a, concept_id) != concept_id]
            supported_here = [u for u in uberon if u[-1] in "LE" and owner.get("uberon:" + u[:-2]) == concept_id]
            supported_here += [a for a in allen_like if owner.get("allen:" + a) == concept_id]
            flag = ("other-concept" if strong_elsewhere else "" if supported_here or kind != "synonym" and kind != "name"
                    else "weak" if ev else "none")
            rows.append((rank, concept_id, concept.name, mentions[concept_id], alias, kind, surfaces[concept_id][key(alias)],
                         " ".join(uberon), " ".join(allen), " ".join(sorted(ev.get("paxinos", ()))),
                         "; ".join(sorted(ev.get("neuronames", ()))), flag))
    with atomic_open(args.out) as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            handle.write("\t".join(str(cell) for cell in row) + "\n")
    traps = widening_traps(kb, evidence, "\n".join(key(r.text) for r in records))
    with atomic_open(args.traps) as handle:
        handle.write("corpus_hits\tatlas_name\tread_as\tconcepts\n")
        for row in traps:
            handle.write("\t".join(str(cell) for cell in row) + "\n")
    flags = Counter(row[-1] for row in rows)
    print(f"{len(ranked)} concepts, {len(rows)} aliases -> {args.out}; flags: {dict(flags)}; "
          f"{len(traps)} widening traps ({sum(1 for t in traps if t[0])} in the corpora) -> {args.traps}")


if __name__ == "__main__":
    main()
