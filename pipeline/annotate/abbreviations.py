"""scispaCy's AbbreviationDetector, without its memory growth over a long run.

scispaCy's detector adds the short forms each document defines to one spaCy Matcher,
matches them, and removes them again. spaCy's Matcher keeps the memory of removed
patterns, so a process annotating a corpus grows by about 10 KB a document (1.3 GB over
100,000 abstracts; see reports/bench.md). `flat_abbreviation_detector` is the same
detector with a fresh Matcher for every document: the same abbreviations
(tests/test_abbreviations.py), and flat memory.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from scispacy.abbreviation import AbbreviationDetector


class FlatAbbreviationDetector(AbbreviationDetector):
    """scispaCy's AbbreviationDetector with a new global matcher for each document."""

    def find_matches_for(self, filtered: list[tuple[Span, Span]], doc: Doc) -> list[tuple[Span, set[Span]]]:
        self.global_matcher = Matcher(doc.vocab)
        return super().find_matches_for(filtered, doc)


@Language.factory(
    "flat_abbreviation_detector",
    default_config={"make_serializable": False},
    assigns=["doc._.abbreviations", "span._.long_form"],
)
def make_flat_abbreviation_detector(nlp: Language, name: str, make_serializable: bool) -> FlatAbbreviationDetector:
    """Add it under the name "abbreviation_detector", which the concept matcher looks for."""
    return FlatAbbreviationDetector(nlp, name, make_serializable)
