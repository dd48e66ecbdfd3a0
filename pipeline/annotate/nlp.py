"""The one function that builds the spaCy pipeline; the CLI, tests and benchmarks all use it."""

from __future__ import annotations

import re
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


# scispaCy's AbbreviationDetector runs an empty spaCy Matcher on documents that have no
# abbreviation definition; spaCy warns about that (W036) on every such document.
warnings.filterwarnings("ignore", message=r"\[W036\] The component 'matcher' does not have any patterns")

# Hyphenated modifiers split off the word before them ("naloxone-precipitated",
# "CRF-containing", "anxiety-like"), so that the word can be matched as a concept.
# scispaCy's tokenizer keeps hyphenated words whole, which is right for chemical names.
MODIFIER_SUFFIXES = (
    "dependent", "independent", "treated", "induced", "precipitated", "evoked", "elicited", "containing",
    "positive", "negative", "immunoreactive", "expressing", "mediated", "like", "related", "associated",
    "sensitive", "insensitive", "seeking", "taking", "naive", "naïve", "exposed", "withdrawn", "lesioned",
    "injected", "infused", "projecting", "specific", "deficient", "knockout", "null", "paired", "conditioned",
    "stimulated", "activated", "responsive", "producing", "releasing", "synthesizing", "labeled", "labelled",
    "derived", "targeted", "binding", "receptive", "selective", "free",
)
MODIFIER_INFIX = r"(?<=[^\W_])-(?=(?:" + "|".join(MODIFIER_SUFFIXES) + r")(?:$|[^\w-]))"


def use_scispacy_tokenizer(nlp: Language) -> None:
    """scispaCy's combined_rule_tokenizer, with hyphenated modifiers split off (MODIFIER_INFIX)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scispaCy's tokenizer regexes
        nlp.tokenizer = combined_rule_tokenizer(nlp)
        infixes = nlp.tokenizer.infix_finditer.__self__.pattern
        nlp.tokenizer.infix_finditer = re.compile(f"{MODIFIER_INFIX}|{infixes}").finditer


def install_norms(vocab: Vocab) -> None:
    """Make every token's NORM its normalised spelling (normalize_word), old and new words alike."""
    vocab.lex_attr_getters[NORM] = normalize_word
    for lexeme in vocab:
        lexeme.norm_ = normalize_word(lexeme.orth_)


def build_nlp(kb_dir: str | Path | None = None, kb_extra: Iterable[str | Path] = ()) -> Language:
    """The neuroconcepts pipeline: scispaCy tokenizer, sentencizer, abbreviations, concepts.

    - scispaCy's combined_rule_tokenizer on a blank English pipeline, with hyphenated
      modifiers split off ("naloxone-precipitated" -> naloxone, -, precipitated);
    - spaCy's rule-based sentencizer (scispaCy's pysbd_sentencizer runs at about 50
      abstracts a second, an order of magnitude slower);
    - scispaCy's AbbreviationDetector;
    - the concept_matcher over the knowledge base in models/kb (or `kb_dir`) plus the
      user's extra files.
    """
    nlp = spacy.blank("en")
    use_scispacy_tokenizer(nlp)
    install_norms(nlp.vocab)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("concept_matcher", config={"kb_dir": str(kb_dir) if kb_dir else None, "kb_extra": [str(p) for p in kb_extra]})
    return nlp
