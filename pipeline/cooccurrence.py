"""Co-occurrence counts: what the graph is built from, counted per partition and merged.

Counts are kept for both windows at once (sentence and document), so the window is
chosen when the graph is built. Each extract run writes its counts beside its
mentions; counts of several runs or partitions add up with `merge`, so a corpus can
be counted in pieces, in any order, and give the same totals.
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


@dataclass
class PairCount:
    """How often two concepts occur together, with the first document ids and one sentence."""

    sentences: int = 0
    documents: int = 0
    doc_ids: list[str] = field(default_factory=list)
    evidence_key: tuple = ()
    evidence: str = ""

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


@dataclass
class CooccurrenceCounts:
    """Concept and pair counts over a set of documents; pairs are keyed (a, b) with a < b."""

    documents: int = 0
    sentences: int = 0
    concepts: dict[str, ConceptCount] = field(default_factory=dict)
    pairs: dict[tuple[str, str], PairCount] = field(default_factory=dict)

    def add(self, document: AnnotatedDocument) -> None:
        """Count one annotated document."""
        mentions = [(m.sent_id, m.concept_id, m.concept_name, m.label) for m in document.mentions]
        self.add_mentions(document.record.doc_id, len(document.sentences), mentions, document.sentence_text)

    def add_mentions(
        self,
        doc_id: str,
        n_sentences: int,
        mentions: Iterable[tuple[int, str, str, str]],
        sentence_text: Callable[[int], str] | None = None,
    ) -> None:
        """Count one document from its (sent_id, concept_id, name, type) mentions.

        Without `sentence_text` no evidence sentence is kept.
        """
        self.documents += 1
        self.sentences += n_sentences
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
        for pair in combinations(sorted(in_document), 2):
            count = self.pairs.setdefault(pair, PairCount())
            count.documents += 1
            count.add_doc_id(doc_id)

    def merge(self, other: "CooccurrenceCounts") -> "CooccurrenceCounts":
        """Add another set of counts to this one (in place) and return it."""
        self.documents += other.documents
        self.sentences += other.sentences
        for concept_id, theirs in other.concepts.items():
            ours = self.concepts.setdefault(concept_id, ConceptCount(theirs.name, theirs.type))
            ours.mentions += theirs.mentions
            ours.sentences += theirs.sentences
            ours.documents += theirs.documents
        for pair, theirs in other.pairs.items():
            ours = self.pairs.setdefault(pair, PairCount())
            ours.sentences += theirs.sentences
            ours.documents += theirs.documents
            for doc_id in theirs.doc_ids:
                ours.add_doc_id(doc_id)
            if theirs.evidence_key:
                ours.offer_evidence(theirs.evidence_key, theirs.evidence)
        return self


def rollup_counts(
    leaf: CooccurrenceCounts,
    mentions: Iterable[dict],
    groups: Mapping[str, tuple[str, ...]],
    describe: Callable[[str], tuple[str, str]],
) -> CooccurrenceCounts:
    """Counts with concepts replaced by the groups they roll up into (kb.hierarchy.rollup_map).

    `mentions` are the rows of the mentions table (doc_id, sent_id, concept_id, ...), in
    document order; `describe` gives a group's (name, type). Sentence and document
    counts are recounted from the mentions, so a document naming the basolateral and
    the central amygdala counts once for the amygdala; evidence sentences and document
    ids come from the leaf pairs.
    """
    counts = CooccurrenceCounts()
    for doc_id, rows in groupby(mentions, key=lambda row: row["doc_id"]):
        mapped = [
            (row["sent_id"], group, *(describe(group) if group != row["concept_id"] else (row["concept_name"], row["label"])))
            for row in rows
            for group in groups.get(row["concept_id"], (row["concept_id"],))
        ]
        counts.add_mentions(doc_id, 0, mapped)
    counts.documents, counts.sentences = leaf.documents, leaf.sentences
    for (a, b), pair in leaf.pairs.items():
        if not pair.evidence_key:
            continue
        for group_pair in product(groups.get(a, (a,)), groups.get(b, (b,))):
            rolled = counts.pairs.get(tuple(sorted(group_pair)))
            if rolled is not None:
                rolled.offer_evidence(pair.evidence_key, pair.evidence)
    return counts


def write_counts(counts: CooccurrenceCounts, directory: str | Path) -> None:
    """Write counts as two Parquet tables and a JSON file of totals, each atomically."""
    directory = Path(directory)
    concept_ids = sorted(counts.concepts)
    concepts = pa.table({
        "concept_id": concept_ids,
        "name": [counts.concepts[c].name for c in concept_ids],
        "type": [counts.concepts[c].type for c in concept_ids],
        "mentions": pa.array([counts.concepts[c].mentions for c in concept_ids], pa.int64()),
        "sentences": pa.array([counts.concepts[c].sentences for c in concept_ids], pa.int64()),
        "documents": pa.array([counts.concepts[c].documents for c in concept_ids], pa.int64()),
    })
    keys = sorted(counts.pairs)
    pairs = [counts.pairs[k] for k in keys]
    pair_table = pa.table({
        "source": [a for a, _ in keys],
        "target": [b for _, b in keys],
        "sentences": pa.array([p.sentences for p in pairs], pa.int64()),
        "documents": pa.array([p.documents for p in pairs], pa.int64()),
        "doc_ids": pa.array([p.doc_ids for p in pairs], pa.list_(pa.string())),
        "evidence_doc_id": [p.evidence_key[0][1] if p.evidence_key else "" for p in pairs],
        "evidence_sent_id": pa.array([p.evidence_key[1] if p.evidence_key else -1 for p in pairs], pa.int64()),
        "evidence": [p.evidence for p in pairs],
    })
    for table, name in ((concepts, CONCEPTS_FILE), (pair_table, PAIRS_FILE)):
        with atomic_path(directory / name) as tmp:
            pq.write_table(table, tmp)
    with atomic_open(directory / TOTALS_FILE) as handle:
        json.dump({"documents": counts.documents, "sentences": counts.sentences}, handle, indent=2, sort_keys=True)
        handle.write("\n")


def read_counts(directory: str | Path) -> CooccurrenceCounts:
    """Read counts written by write_counts."""
    directory = Path(directory)
    totals = json.loads((directory / TOTALS_FILE).read_text(encoding="utf-8"))
    counts = CooccurrenceCounts(documents=totals["documents"], sentences=totals["sentences"])
    for row in pq.read_table(directory / CONCEPTS_FILE).to_pylist():
        counts.concepts[row["concept_id"]] = ConceptCount(row["name"], row["type"], row["mentions"], row["sentences"], row["documents"])
    for row in pq.read_table(directory / PAIRS_FILE).to_pylist():
        key = (doc_order(row["evidence_doc_id"]), row["evidence_sent_id"]) if row["evidence_sent_id"] >= 0 else ()
        counts.pairs[(row["source"], row["target"])] = PairCount(
            row["sentences"], row["documents"], list(row["doc_ids"]), key, row["evidence"],
        )
    return counts
