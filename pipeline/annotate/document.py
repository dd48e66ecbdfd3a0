"""Annotated documents: the spaCy pipeline run over records, its entities turned into mentions.

`annotate` is what the later stages read: for each record, an AnnotatedDocument with its
sentence boundaries, its Mentions (one per entity, with its concept), the directed
relations its sentences state and its species tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.annotate.context import ConceptContext  # noqa: F401  (registers ent._.negated, ent._.hedged)
from pipeline.annotate.linking import is_linked, unlinked_name
from pipeline.annotate.relations import document_relations
from pipeline.annotate.sentences import DOC_TEXT, sentence_of
from pipeline.annotate.species import document_species
from pipeline.read import Record


@dataclass(frozen=True)
class Mention:
    """One concept mention; start and end are character offsets into the record's text.

    `linked` is False for an NER mention the linker could not map to a knowledge-base
    concept: its concept_id is then NC:unlinked:<normalised text> (see linking.py).
    `negated` and `hedged` say whether its sentence negates it or hedges it (context.py).
    """

    doc_id: str
    sent_id: int
    start: int
    end: int
    text: str
    label: str
    concept_id: str
    concept_name: str
    source: str
    abbreviation: str
    linked: bool
    negated: bool = False
    hedged: bool = False


@dataclass(frozen=True)
class AnnotatedDocument:
    """A record with its sentence boundaries (character offsets) and its mentions.

    `relations` are the directed relations its sentences state, (subject, relation,
    object) with subject and object indices into `mentions` (relations.py); `species`
    its species tags (species.py).
    """

    record: Record
    sentences: tuple[tuple[int, int], ...]
    mentions: tuple[Mention, ...]
    relations: tuple[tuple[int, str, int], ...] = ()
    species: tuple[str, ...] = ()

    def sentence_text(self, sent_id: int) -> str:
        start, end = self.sentences[sent_id]
        return self.record.text[start:end]


def document_mentions(doc: Doc, doc_id: str, concept_names: dict[str, str]) -> tuple[tuple[tuple[int, int], ...], tuple[Mention, ...]]:
    """Sentence boundaries and mentions of an annotated spaCy Doc."""
    sents = list(doc.sents)
    sentences = tuple((sent.start_char, sent.end_char) for sent in sents)
    sentence_starts = [sent.start for sent in sents]
    mentions = []
    for ent in doc.ents:
        sent_id = sentence_of(sentence_starts, ent.start)
        concept_id, extensions = ent.kb_id_, ent._
        long_form = extensions.long_form
        linked = is_linked(concept_id)
        mentions.append(Mention(
            doc_id, sent_id, ent.start_char, ent.end_char, ent.text, ent.label_, concept_id,
            concept_names.get(concept_id, concept_id) if linked else unlinked_name(concept_id),
            extensions.concept_source or "ner", long_form.text if long_form is not None else "", linked,
            extensions.negated, extensions.hedged,
        ))
    return sentences, tuple(mentions)


def make_doc(nlp: Language, record: Record) -> Doc:
    """Tokenize a record's text; the abstract always starts a new sentence after the title."""
    doc = nlp.make_doc(record.text)
    doc.user_data[DOC_TEXT] = record.text  # what doc.text would join again from the tokens (sentences.doc_text)
    if record.title and record.abstract:
        boundary = len(record.title) + 1
        for token in doc:
            if token.idx >= boundary:
                token.is_sent_start = True
                break
    return doc


def annotate(records: Iterable[Record], nlp: Language, batch_size: int = 256) -> Iterator[AnnotatedDocument]:
    """Annotate records with the pipeline, in order."""
    concept_names = {concept.id: concept.name for concept in nlp.get_pipe("concept_matcher").kb}
    pairs = ((make_doc(nlp, record), record) for record in records)
    for doc, record in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        sentences, mentions = document_mentions(doc, record.doc_id, concept_names)
        species = document_species(record.text, record.mesh)
        yield AnnotatedDocument(record, sentences, mentions, document_relations(doc), species)
