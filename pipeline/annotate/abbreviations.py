"""scispaCy's AbbreviationDetector, on token arrays: the same abbreviations, faster, flat memory.

scispaCy's detector finds parenthesised spans with a spaCy Matcher pattern ("(", one or
more tokens, ")"), keeps the candidates its filter_matches and find_abbreviation accept,
then adds each short form to a second, global Matcher to find its other occurrences, and
removes it again. Two costs come with that on a corpus: the "+" pattern makes the Matcher
try every token after each "(" (the detector was the largest single cost in
reports/profile_lexicon.txt), and spaCy's Matcher keeps the memory of removed patterns,
so a process grows by about 10 KB a document (1.3 GB over 100,000 abstracts).

`array_abbreviation_detector` finds the same parentheses and occurrences by comparing the
document's ORTH array (numpy), in the order spaCy's Matcher reports them, and leaves the
decisions to scispaCy's own functions (filter_matches, find_abbreviation). Same
abbreviations, long forms and order (tests/test_abbreviations.py), flat memory.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy
from scispacy.abbreviation import AbbreviationDetector, filter_matches, find_abbreviation
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span

# filter_matches drops parenthesised spans of more than this many tokens, so longer ones
# are not made at all.
MAX_PARENTHESIS_TOKENS = 8
SHORT_FORM = re.compile(r"[A-Za-z0-9]{2,9}")
AREA_NAME = re.compile(r"[A-Z]{1,2}[0-9]+[a-z]?")


def is_short_form(text: str) -> bool:
    """Whether text has the shape of an abbreviation such as PAG, NTS, dLGN or nBOR (not of
    an area name such as CA1 or V1)."""
    return bool(SHORT_FORM.fullmatch(text)) and sum(c.isupper() for c in text) >= 2 and not AREA_NAME.fullmatch(text)


def _parentheses(orths: numpy.ndarray, open_orth: int, close_orth: int) -> list[tuple[int, int, int]]:
    """(0, start, end) of the tokens inside each "(" ... ")" pair of up to
    MAX_PARENTHESIS_TOKENS tokens, in the order scispaCy's Matcher reports them (by the
    closing parenthesis, then the nearest opening one first)."""
    opens = numpy.flatnonzero(orths == open_orth)
    if not len(opens):
        return []
    closes = numpy.flatnonzero(orths == close_orth)
    return [
        (0, int(start) + 1, int(end))
        for end in closes
        for start in opens[::-1]
        if 2 <= end - start <= MAX_PARENTHESIS_TOKENS + 1
    ]


def _occurrences(orths: numpy.ndarray, tokens: list[int]) -> numpy.ndarray:
    """Start of every occurrence of the token sequence in the ORTH array."""
    starts = numpy.flatnonzero(orths[: len(orths) - len(tokens) + 1] == tokens[0])
    for offset, orth in enumerate(tokens[1:], 1):
        starts = starts[orths[starts + offset] == orth]
    return starts


class ArrayAbbreviationDetector(AbbreviationDetector):
    """scispaCy's AbbreviationDetector with its two Matchers replaced by ORTH-array searches."""

    def __init__(self, nlp: Language, name: str = "abbreviation_detector", make_serializable: bool = False) -> None:
        super().__init__(nlp, name, make_serializable)
        self.open_orth = nlp.vocab.strings.add("(")
        self.close_orth = nlp.vocab.strings.add(")")

    def __call__(self, doc: Doc) -> Doc:
        orths = doc.to_array(ORTH)
        filtered = filter_matches(_parentheses(orths, self.open_orth, self.close_orth), doc)
        for long_form, short_forms in self.find_matches_for(filtered, doc):
            for short in short_forms:
                short._.long_form = long_form
                doc._.abbreviations.append(short)
        if self.make_serializable:
            doc._.abbreviations = [self.make_short_form_serializable(a) for a in doc._.abbreviations]
        return doc

    def find_matches_for(self, filtered: list[tuple[Span, Span]], doc: Doc) -> list[tuple[Span, set[Span]]]:
        """scispaCy's find_matches_for, the global Matcher replaced by _occurrences."""
        rules: dict[str, Span] = {}
        all_occurrences: dict[Span, set[Span]] = defaultdict(set)
        seen_long: set[str] = set()
        seen_short: set[str] = set()
        patterns: list[tuple[str, list[int]]] = []
        for long_candidate, short_candidate in filtered:
            short, long = find_abbreviation(long_candidate, short_candidate)
            if long is not None and long.text not in seen_long and short.text not in seen_short:
                seen_long.add(long.text)
                seen_short.add(short.text)
                all_occurrences[long].add(short)
                rules[long.text] = long
                patterns.append((long.text, [token.orth for token in short]))
        if patterns:
            orths = doc.to_array(ORTH)
            found = sorted(
                (int(start) + len(tokens), -int(start), index)
                for index, (_, tokens) in enumerate(patterns)
                for start in _occurrences(orths, tokens)
            )
            for end, negative_start, index in found:
                all_occurrences[rules[patterns[index][0]]].add(doc[-negative_start:end])
        return list(all_occurrences.items())


@Language.factory(
    "array_abbreviation_detector",
    default_config={"make_serializable": False},
    assigns=["doc._.abbreviations", "span._.long_form"],
)
def make_array_abbreviation_detector(nlp: Language, name: str, make_serializable: bool) -> ArrayAbbreviationDetector:
    """Add it under the name "abbreviation_detector", which the concept matcher looks for."""
    return ArrayAbbreviationDetector(nlp, name, make_serializable)
