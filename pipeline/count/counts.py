"""Co-occurrence counts of annotated documents: concepts, pairs of concepts, and their roll-up.

Counts are kept for both windows at once (sentence and document), so the window is
chosen when the graph is built. Counts of several runs or partitions add up (pipeline.count.merge),
so a corpus can be counted in pieces, in any order, and give the same totals.

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
from dataclasses import dataclass, field
from itertools import chain, combinations, groupby, product
from typing import Callable, Iterable, Mapping

from pipeline.annotate.document import AnnotatedDocument

MAX_DOC_IDS = 20
WINDOW_COLUMNS = {"sentence": "sentences", "document": "documents"}  # co-occurrence windows and their count columns
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
    """How often one concept occurs: mentions, and sentences and documents that mention it.

    shared_sentences and shared_documents are its total link strength in each window (the
    windows it shares with each other concept, summed over its pairs), so that statistics
    over all pairs (association strength) hold when only some pairs are read.
    """

    name: str
    type: str
    mentions: int = 0
    sentences: int = 0
    documents: int = 0
    species: dict[str, int] = field(default_factory=dict)  # documents per species tag
    shared_sentences: int = 0
    shared_documents: int = 0


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
        if doc_id in self.doc_ids or (len(self.doc_ids) >= MAX_DOC_IDS and key > doc_order(self.doc_ids[-1])):
            return
        self.doc_ids.insert(bisect.bisect(self.doc_ids, key, key=doc_order), doc_id)
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
        tags = tuple(dict.fromkeys(species))  # each tag once
        add_counts(self.species, dict.fromkeys(tags, 1))
        concepts, pairs, doc_key = self.concepts, self.pairs, doc_order(doc_id)
        by_sentence: dict[int, set[str]] = {}
        for sent_id, concept_id, name, label in mentions:
            concept = concepts.get(concept_id)
            if concept is None:
                concept = concepts[concept_id] = ConceptCount(name, label)
            concept.mentions += 1
            by_sentence.setdefault(sent_id, set()).add(concept_id)
        in_document: set[str] = set()
        for sent_id, concept_ids in sorted(by_sentence.items()):
            in_document |= concept_ids
            for concept_id in concept_ids:
                concepts[concept_id].sentences += 1
                concepts[concept_id].shared_sentences += len(concept_ids) - 1
            evidence_key, sentence = (doc_key, sent_id), None
            for pair in combinations(sorted(concept_ids), 2):
                count = pairs.get(pair)
                if count is None:
                    count = pairs[pair] = PairCount()
                count.sentences += 1
                if sentence_text is not None and (not count.evidence_key or evidence_key < count.evidence_key):
                    sentence = sentence_text(sent_id) if sentence is None else sentence
                    count.evidence_key, count.evidence = evidence_key, sentence
        for concept_id in in_document:
            concept = concepts[concept_id]
            concept.documents += 1
            concept.shared_documents += len(in_document) - 1
            for tag in tags:
                concept.species[tag] = concept.species.get(tag, 0) + 1
        for pair in combinations(sorted(in_document), 2):
            count = pairs.get(pair)
            if count is None:
                count = pairs[pair] = PairCount()
            count.documents += 1
            count.add_doc_id(doc_id)
            count.add_year(year or 0, year or 0)
            for tag in tags:
                count.species[tag] = count.species.get(tag, 0) + 1
        for sent_id, subject, relation, obj in relations:
            pair = tuple(sorted((subject, obj)))
            if subject == obj or subject not in by_sentence.get(sent_id, ()) or obj not in by_sentence[sent_id]:
                continue
            sentence = sentence_text(sent_id) if sentence_text is not None else ""
            evidence_key = (doc_key, sent_id) if sentence_text is not None else ()
            pairs[pair].add_relation(relation_key(relation, subject, obj), 1, evidence_key, sentence)


def rollup_counts(
    leaf: CooccurrenceCounts,
    mention_tables: Iterable[Iterable[dict]],
    groups: Mapping[str, tuple[str, ...]],
    describe: Callable[[str], tuple[str, str]],
    documents: Mapping[str, tuple[int | None, tuple[str, ...]]] | None = None,
) -> CooccurrenceCounts:
    """Counts with concepts replaced by the groups they roll up into (kb.hierarchy.rollup_map).

    `mention_tables` hold the rows of the mentions tables the leaf counts were made from
    (doc_id, sent_id, concept_id, ..., negated), each in document order; `describe`
    gives a group's (name, type); `documents` gives each document's (year, species
    tags). Sentence and document counts are recounted from the mentions, so a document
    naming the basolateral and the central amygdala counts once for the amygdala;
    evidence sentences come from the leaf pairs, and relations are the leaf pairs'
    relations, added up.
    """
    documents = documents or {}
    counts = CooccurrenceCounts()
    for doc_id, rows in chain.from_iterable(groupby(table, key=lambda row: row["doc_id"]) for table in mention_tables):
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
