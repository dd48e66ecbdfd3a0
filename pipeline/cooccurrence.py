"""Co-occurrence counts: what the graph is built from, counted per partition and merged.

Counts are kept for both windows at once (sentence and document), so the window is
chosen when the graph is built. Each extract run writes its counts beside its
mentions; counts of several runs or partitions add up with `merge`, so a corpus can
be counted in pieces, in any order, and give the same totals.

Besides the window counts, each pair keeps what its documents say about it: the first
and last publication year, documents per species tag, and the directed relations its
sentences state (counts per relation and direction, with the first sentence stating
each). Every count is kept twice: over all mentions, and in `affirmed`, over the
mentions that are not negated (pipeline.annotate.context), so `--exclude-negated` is
chosen when the graph is built. Everything merges exactly: sums, minima and maxima, and
the first items in document order.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from itertools import combinations, groupby, product
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.annotate import AnnotatedDocument
from pipeline.atomic import atomic_open, atomic_path

MAX_DOC_IDS = 20
CONCEPTS_FILE = "cooccurrence_concepts.parquet"
PAIRS_FILE = "cooccurrence_pairs.parquet"
TOTALS_FILE = "cooccurrence_totals.json"
AFFIRMED_CONCEPTS_FILE = "cooccurrence_affirmed_concepts.parquet"  # the same tables, counting affirmed mentions only
AFFIRMED_PAIRS_FILE = "cooccurrence_affirmed_pairs.parquet"
FORWARD, BACKWARD = ">", "<"  # relation key suffixes: the pair's first concept is the subject, or the second


def add_counts(ours: dict[str, int], theirs: Mapping[str, int]) -> None:
    """Add counts by key (species tags, relation keys) into `ours`."""
    for key, n in theirs.items():
        ours[key] = ours.get(key, 0) + n


def relation_key(relation: str, subject: str, obj: str) -> str:
    """The key of a directed relation on the pair (min, max) of subject and object: "increases>" when
    the subject is the pair's first concept, "increases<" when it is the second."""
    return relation + (FORWARD if subject < obj else BACKWARD)


def doc_order(doc_id: str) -> tuple[int, str]:
    """Order of document ids: shorter first, then by text (numeric order for PMIDs)."""
    return (len(doc_id), doc_id)


@dataclass
class ConceptCount:
    """How often one concept occurs: mentions, and sentences and documents that mention it."""

    name: str
    type: str
    mentions: int = 0
    sentences: int = 0
    documents: int = 0
    species: dict[str, int] = field(default_factory=dict)  # documents per species tag


@dataclass
class PairCount:
    """How often two concepts occur together, with the first document ids and one sentence.

    first_year and last_year (0 when no document has a year) and species (documents per
    species tag) are over the documents in which the pair co-occurs; relations counts the
    sentences stating each directed relation (keys from relation_key), and
    relation_evidence keeps the first of them for each key.
    """

    sentences: int = 0
    documents: int = 0
    doc_ids: list[str] = field(default_factory=list)
    evidence_key: tuple = ()
    evidence: str = ""
    first_year: int = 0
    last_year: int = 0
    species: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    relation_evidence: dict[str, tuple[tuple, str]] = field(default_factory=dict)

    def add_doc_id(self, doc_id: str) -> None:
        key = doc_order(doc_id)
        keys = [doc_order(d) for d in self.doc_ids]
        if doc_id in self.doc_ids or (len(keys) >= MAX_DOC_IDS and key > keys[-1]):
            return
        self.doc_ids.insert(bisect.bisect(keys, key), doc_id)
        del self.doc_ids[MAX_DOC_IDS:]

    def offer_evidence(self, key: tuple, sentence: str) -> None:
        if not self.evidence_key or key < self.evidence_key:
            self.evidence_key, self.evidence = key, sentence

    def add_year(self, first: int, last: int) -> None:
        """Widen the year range to first..last (0: no year)."""
        if first:
            self.first_year = min(self.first_year or first, first)
            self.last_year = max(self.last_year, last)

    def add_relation(self, key: str, n: int, evidence_key: tuple = (), sentence: str = "") -> None:
        """Count `n` statements of a directed relation, offering the first one's sentence."""
        self.relations[key] = self.relations.get(key, 0) + n
        if evidence_key and (key not in self.relation_evidence or evidence_key < self.relation_evidence[key][0]):
            self.relation_evidence[key] = (evidence_key, sentence)

    def merge(self, other: "PairCount") -> None:
        """Add another count of the same pair to this one."""
        self.sentences += other.sentences
        self.documents += other.documents
        for doc_id in other.doc_ids:
            self.add_doc_id(doc_id)
        if other.evidence_key:
            self.offer_evidence(other.evidence_key, other.evidence)
        self.add_year(other.first_year, other.last_year)
        add_counts(self.species, other.species)
        for key, n in other.relations.items():
            self.add_relation(key, n, *other.relation_evidence.get(key, ((), "")))


@dataclass
class CooccurrenceCounts:
    """Concept and pair counts over a set of documents; pairs are keyed (a, b) with a < b.

    `species` counts documents per species tag. `affirmed` holds the same counts over
    the mentions that are not negated (its own `affirmed` is None); documents and
    sentences are the same in both.
    """

    documents: int = 0
    sentences: int = 0
    concepts: dict[str, ConceptCount] = field(default_factory=dict)
    pairs: dict[tuple[str, str], PairCount] = field(default_factory=dict)
    species: dict[str, int] = field(default_factory=dict)
    affirmed: "CooccurrenceCounts | None" = None

    def affirmed_counts(self) -> "CooccurrenceCounts":
        """The counts over affirmed mentions, created empty (with these totals) when missing."""
        if self.affirmed is None:
            self.affirmed = CooccurrenceCounts(self.documents, self.sentences, species=dict(self.species))
        return self.affirmed

    def add(self, document: AnnotatedDocument) -> None:
        """Count one annotated document."""
        mentions = [(m.sent_id, m.concept_id, m.concept_name, m.label, m.negated) for m in document.mentions]
        relations = [
            (document.mentions[s].sent_id, document.mentions[s].concept_id, relation, document.mentions[o].concept_id)
            for s, relation, o in document.relations
        ]
        record = document.record
        self.add_mentions(
            record.doc_id, len(document.sentences), mentions, document.sentence_text, record.year, document.species, relations,
        )

    def add_mentions(
        self,
        doc_id: str,
        n_sentences: int,
        mentions: Iterable[tuple[int, str, str, str, bool]],
        sentence_text: Callable[[int], str] | None = None,
        year: int | None = None,
        species: Iterable[str] = (),
        relations: Iterable[tuple[int, str, str, str]] = (),
    ) -> None:
        """Count one document from its (sent_id, concept_id, name, type, negated) mentions and
        its (sent_id, subject concept id, relation, object concept id) relations, here and,
        without its negated mentions, in `affirmed`.

        Without `sentence_text` no evidence sentence is kept.
        """
        mentions = list(mentions)
        relations = list(relations)
        species = tuple(species)
        affirmed = self.affirmed_counts()
        self._count(doc_id, n_sentences, [m[:4] for m in mentions], sentence_text, year, species, relations)
        affirmed._count(doc_id, n_sentences, [m[:4] for m in mentions if not m[4]], sentence_text, year, species, relations)

    def _count(self, doc_id, n_sentences, mentions, sentence_text, year, species, relations) -> None:
        self.documents += 1
        self.sentences += n_sentences
        add_counts(self.species, dict.fromkeys(species, 1))
        by_sentence: dict[int, set[str]] = {}
        for sent_id, concept_id, name, label in mentions:
            concept = self.concepts.setdefault(concept_id, ConceptCount(name, label))
            concept.mentions += 1
            by_sentence.setdefault(sent_id, set()).add(concept_id)
        in_document: set[str] = set()
        for sent_id, concept_ids in sorted(by_sentence.items()):
            in_document |= concept_ids
            for concept_id in concept_ids:
                self.concepts[concept_id].sentences += 1
            for pair in combinations(sorted(concept_ids), 2):
                count = self.pairs.setdefault(pair, PairCount())
                count.sentences += 1
                if sentence_text is not None:
                    count.offer_evidence((doc_order(doc_id), sent_id), sentence_text(sent_id))
        for concept_id in in_document:
            self.concepts[concept_id].documents += 1
            add_counts(self.concepts[concept_id].species, dict.fromkeys(species, 1))
        for pair in combinations(sorted(in_document), 2):
            count = self.pairs.setdefault(pair, PairCount())
            count.documents += 1
            count.add_doc_id(doc_id)
            count.add_year(year or 0, year or 0)
            add_counts(count.species, dict.fromkeys(species, 1))
        for sent_id, subject, relation, obj in relations:
            pair = tuple(sorted((subject, obj)))
            if subject == obj or subject not in by_sentence.get(sent_id, ()) or obj not in by_sentence[sent_id]:
                continue
            sentence = sentence_text(sent_id) if sentence_text is not None else ""
            evidence_key = (doc_order(doc_id), sent_id) if sentence_text is not None else ()
            self.pairs[pair].add_relation(relation_key(relation, subject, obj), 1, evidence_key, sentence)

    def merge(self, other: "CooccurrenceCounts") -> "CooccurrenceCounts":
        """Add another set of counts to this one (in place) and return it."""
        self.documents += other.documents
        self.sentences += other.sentences
        add_counts(self.species, other.species)
        for concept_id, theirs in other.concepts.items():
            ours = self.concepts.setdefault(concept_id, ConceptCount(theirs.name, theirs.type))
            ours.mentions += theirs.mentions
            ours.sentences += theirs.sentences
            ours.documents += theirs.documents
            add_counts(ours.species, theirs.species)
        for pair, theirs in other.pairs.items():
            self.pairs.setdefault(pair, PairCount()).merge(theirs)
        if other.affirmed is not None:
            if self.affirmed is None:
                self.affirmed = CooccurrenceCounts()
            self.affirmed.merge(other.affirmed)
        return self


def rollup_counts(
    leaf: CooccurrenceCounts,
    mentions: Iterable[dict],
    groups: Mapping[str, tuple[str, ...]],
    describe: Callable[[str], tuple[str, str]],
    documents: Mapping[str, tuple[int | None, tuple[str, ...]]] | None = None,
) -> CooccurrenceCounts:
    """Counts with concepts replaced by the groups they roll up into (kb.hierarchy.rollup_map).

    `mentions` are the rows of the mentions table (doc_id, sent_id, concept_id, ...,
    negated), in document order; `describe` gives a group's (name, type); `documents`
    gives each document's (year, species tags). Sentence and document counts are
    recounted from the mentions, so a document naming the basolateral and the central
    amygdala counts once for the amygdala; evidence sentences come from the leaf pairs,
    and relations are the leaf pairs' relations, added up.
    """
    documents = documents or {}
    counts = CooccurrenceCounts()
    for doc_id, rows in groupby(mentions, key=lambda row: row["doc_id"]):
        mapped = [
            (row["sent_id"], group, *(describe(group) if group != row["concept_id"] else (row["concept_name"], row["label"])),
             row.get("negated", False))
            for row in rows
            for group in groups.get(row["concept_id"], (row["concept_id"],))
        ]
        year, species = documents.get(doc_id, (None, ()))
        counts.add_mentions(doc_id, 0, mapped, year=year, species=species)
    for rolled, source in ((counts, leaf), (counts.affirmed_counts(), leaf.affirmed_counts())):
        rolled.documents, rolled.sentences, rolled.species = source.documents, source.sentences, dict(source.species)
        _rollup_pair_texts(rolled, source, groups)
    return counts


def _rollup_pair_texts(rolled: CooccurrenceCounts, leaf: CooccurrenceCounts, groups: Mapping[str, tuple[str, ...]]) -> None:
    """Give rolled-up pairs the evidence sentences and relations of the leaf pairs in them."""
    for (a, b), pair in leaf.pairs.items():
        for group_a, group_b in product(groups.get(a, (a,)), groups.get(b, (b,))):
            target = rolled.pairs.get(tuple(sorted((group_a, group_b))))
            if target is None:
                continue
            if pair.evidence_key:
                target.offer_evidence(pair.evidence_key, pair.evidence)
            for key, n in pair.relations.items():
                subject, obj = (group_a, group_b) if key.endswith(FORWARD) else (group_b, group_a)
                target.add_relation(relation_key(key[:-1], subject, obj), n, *pair.relation_evidence.get(key, ((), "")))


def _keyed_counts(items: Iterable[Mapping[str, int]]) -> tuple[list[list[str]], list[list[int]]]:
    """Count dicts as two parallel list columns (keys sorted)."""
    keys, values = [], []
    for counts in items:
        ordered = sorted(counts)
        keys.append(ordered)
        values.append([counts[k] for k in ordered])
    return keys, values


def _layer_tables(counts: CooccurrenceCounts) -> tuple[pa.Table, pa.Table]:
    """The concepts and pairs tables of one layer of counts."""
    concept_ids = sorted(counts.concepts)
    concepts = [counts.concepts[c] for c in concept_ids]
    species_tags, species_documents = _keyed_counts(c.species for c in concepts)
    concept_table = pa.table({
        "concept_id": concept_ids,
        "name": [c.name for c in concepts],
        "type": [c.type for c in concepts],
        "mentions": pa.array([c.mentions for c in concepts], pa.int64()),
        "sentences": pa.array([c.sentences for c in concepts], pa.int64()),
        "documents": pa.array([c.documents for c in concepts], pa.int64()),
        "species_tags": pa.array(species_tags, pa.list_(pa.string())),
        "species_documents": pa.array(species_documents, pa.list_(pa.int64())),
    })
    keys = sorted(counts.pairs)
    pairs = [counts.pairs[k] for k in keys]
    species_tags, species_documents = _keyed_counts(p.species for p in pairs)
    relation_keys, relation_counts = _keyed_counts(p.relations for p in pairs)
    relation_evidence = [[p.relation_evidence.get(k, ((), "")) for k in ks] for p, ks in zip(pairs, relation_keys)]
    pair_table = pa.table({
        "source": [a for a, _ in keys],
        "target": [b for _, b in keys],
        "sentences": pa.array([p.sentences for p in pairs], pa.int64()),
        "documents": pa.array([p.documents for p in pairs], pa.int64()),
        "doc_ids": pa.array([p.doc_ids for p in pairs], pa.list_(pa.string())),
        "evidence_doc_id": [p.evidence_key[0][1] if p.evidence_key else "" for p in pairs],
        "evidence_sent_id": pa.array([p.evidence_key[1] if p.evidence_key else -1 for p in pairs], pa.int64()),
        "evidence": [p.evidence for p in pairs],
        "first_year": pa.array([p.first_year for p in pairs], pa.int32()),
        "last_year": pa.array([p.last_year for p in pairs], pa.int32()),
        "species_tags": pa.array(species_tags, pa.list_(pa.string())),
        "species_documents": pa.array(species_documents, pa.list_(pa.int64())),
        "relation_keys": pa.array(relation_keys, pa.list_(pa.string())),
        "relation_counts": pa.array(relation_counts, pa.list_(pa.int64())),
        "relation_evidence_doc_ids": pa.array([[k[0][1] if k else "" for k, _ in e] for e in relation_evidence], pa.list_(pa.string())),
        "relation_evidence_sent_ids": pa.array([[k[1] if k else -1 for k, _ in e] for e in relation_evidence], pa.list_(pa.int64())),
        "relation_evidence": pa.array([[text for _, text in e] for e in relation_evidence], pa.list_(pa.string())),
    })
    return concept_table, pair_table


def _evidence_key(doc_id: str, sent_id: int) -> tuple:
    return (doc_order(doc_id), sent_id) if sent_id >= 0 else ()


def _read_layer(concepts_file: Path, pairs_file: Path, totals: dict) -> CooccurrenceCounts:
    counts = CooccurrenceCounts(documents=totals["documents"], sentences=totals["sentences"], species=dict(totals["species"]))
    for row in pq.read_table(concepts_file).to_pylist():
        counts.concepts[row["concept_id"]] = ConceptCount(
            row["name"], row["type"], row["mentions"], row["sentences"], row["documents"],
            dict(zip(row["species_tags"], row["species_documents"])),
        )
    for row in pq.read_table(pairs_file).to_pylist():
        relation_evidence = {
            key: (_evidence_key(doc_id, sent_id), text)
            for key, doc_id, sent_id, text in zip(
                row["relation_keys"], row["relation_evidence_doc_ids"], row["relation_evidence_sent_ids"], row["relation_evidence"])
            if sent_id >= 0
        }
        counts.pairs[(row["source"], row["target"])] = PairCount(
            row["sentences"], row["documents"], list(row["doc_ids"]),
            _evidence_key(row["evidence_doc_id"], row["evidence_sent_id"]), row["evidence"],
            row["first_year"], row["last_year"], dict(zip(row["species_tags"], row["species_documents"])),
            dict(zip(row["relation_keys"], row["relation_counts"])), relation_evidence,
        )
    return counts


def write_counts(counts: CooccurrenceCounts, directory: str | Path) -> None:
    """Write counts as Parquet tables (concepts and pairs, all and affirmed) and a JSON file of totals, each atomically."""
    directory = Path(directory)
    tables = [*_layer_tables(counts), *_layer_tables(counts.affirmed_counts())]
    for table, name in zip(tables, (CONCEPTS_FILE, PAIRS_FILE, AFFIRMED_CONCEPTS_FILE, AFFIRMED_PAIRS_FILE)):
        with atomic_path(directory / name) as tmp:
            pq.write_table(table, tmp)
    with atomic_open(directory / TOTALS_FILE) as handle:
        totals = {"documents": counts.documents, "sentences": counts.sentences, "species": counts.species}
        json.dump(totals, handle, indent=2, sort_keys=True)
        handle.write("\n")


def read_counts(directory: str | Path) -> CooccurrenceCounts:
    """Read counts written by write_counts."""
    directory = Path(directory)
    totals = json.loads((directory / TOTALS_FILE).read_text(encoding="utf-8"))
    counts = _read_layer(directory / CONCEPTS_FILE, directory / PAIRS_FILE, totals)
    counts.affirmed = _read_layer(directory / AFFIRMED_CONCEPTS_FILE, directory / AFFIRMED_PAIRS_FILE, totals)
    return counts
