"""The one function that builds the spaCy pipeline; the CLI, tests and benchmarks all use it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Iterable

import spacy
from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers "abbreviation_detector")
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.attrs import NORM
from spacy.language import Language
from spacy.vocab import Vocab

from pipeline.annotate import concept_matcher  # noqa: F401  (registers "concept_matcher")
from pipeline.annotate.normalize import normalize_word


def install_norms(vocab: Vocab) -> None:
    """Make every token's NORM its normalised spelling (normalize_word), old and new words alike."""
    vocab.lex_attr_getters[NORM] = normalize_word
    for lexeme in vocab:
        lexeme.norm_ = normalize_word(lexeme.orth_)


def build_nlp(kb_dir: str | Path | None = None, kb_extra: Iterable[str | Path] = ()) -> Language:
    """The neuroconcepts pipeline: scispaCy tokenizer, sentencizer, abbreviations, concepts.

    - scispaCy's combined_rule_tokenizer on a blank English pipeline;
    - spaCy's rule-based sentencizer (pysbd is ten times slower for the same boundaries
      on abstracts);
    - scispaCy's AbbreviationDetector;
    - the concept_matcher over the knowledge base in models/kb (or `kb_dir`) plus the
      user's extra files.
    """
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scispaCy's tokenizer regexes
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    install_norms(nlp.vocab)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("concept_matcher", config={"kb_dir": str(kb_dir) if kb_dir else None, "kb_extra": [str(p) for p in kb_extra]})
    return nlp
