"""Sentence boundaries as scispaCy's pysbd_sentencizer draws them, at a fraction of its cost.

scispaCy's stock pipelines split sentences with pysbd (the Python port of the Pragmatic
Segmenter) inside its `pysbd_sentencizer` component. pysbd rewrites the whole text once
per rule and once per abbreviation it knows, about 20 ms of CPU an abstract. This
component, `pysbd_rule_sentencizer`, draws the same boundaries in a small fraction of that
(0.4 ms, of which 0.12 ms is spaCy's building doc.text):

- it applies the subset of pysbd's English rules that decides boundaries in scientific
  text, in pysbd's order, with pysbd's regular expressions and word lists (pysbd 0.3,
  pinned in requirements.lock): numbered and lettered list items ("1) ... 2) ...",
  "(a) ... (b) ..."), abbreviations, single capitals ("J. Comp. Neurol."), decimals
  and other numbers, numbered references, periods inside brackets and quotes,
  ellipses, doubled punctuation;
- it rewrites a masked copy of the text of the same length (a period that ends no
  sentence becomes pysbd's "∯", a list item's line break a "\\r"), so that each sentence
  keeps its character offsets; pysbd looks for each sentence's text in the original, and
  so does this, to take an earlier copy first where pysbd would (runs of "!!!");
- where a rule of pysbd's would make Python's `re` try every position of the text (a
  pattern that opens with a look-behind), it is tried only where its rare character is
  (a period, a parenthesis), or only when a quick test shows it can apply: same
  matches, a hundredth of the time;
- then, on the tokens, scispaCy's rules: a sentence counts only where both its ends fall
  on token boundaries, none starts after the tokens of scispacy.consts.ABBREVIATIONS
  ("al.", "Fig."), one always starts after a run of two or more newlines. Tokens are read
  and written as arrays (Doc.to_array, Doc.from_array), no Token objects; boundaries set
  before it runs are kept (make_doc's between title and abstract), as spaCy's
  sentencizer keeps them.

Left out, as foreign to biomedical text: pysbd's "Co. KG" and exclamation-word
("Yahoo!") rules, its file-format and geographic-coordinate rules, and sentences whose
text pysbd cannot find back in the original (it then drops them).
tests/test_sentences.py checks the boundaries against pysbd_sentencizer's; `neuroconcepts
bench` reports the agreement on its corpus.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Callable, Iterable, Iterator

import numpy
from pysbd.between_punctuation import BetweenPunctuation
from pysbd.lang.english import English
from pysbd.lists_item_replacer import ListItemReplacer
from scispacy.consts import ABBREVIATIONS as SCISPACY_ABBREVIATION_TOKENS
from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

# Marks written over the masked copy, one character for one. PERIOD, LIST_PERIOD,
# LIST_PAREN, END and the doubled-punctuation marks are pysbd's own (its patterns name
# them); the others stand for pysbd's longer marks.
PERIOD = "∯"          # a period that ends no sentence
LIST_PERIOD = "♨"     # the period of a numbered list item, "1."
LIST_PAREN = "☝"      # the parenthesis of a numbered list item, "1)"
OPEN_ITEM = "✂"       # the hidden "(" of a lettered item, "(a)", and of a roman one, "(iv)"
CLOSE_ITEM = "⌬"
END = "ȸ"             # the end of a segment that has no final punctuation
BREAK = "\r"          # a line break: pysbd splits the text at each one first
ELLIPSIS = "ƪ"
HIDDEN = {".": PERIOD, "!": "ᓴ", "?": "ᓷ", "。": "ᓰ", "．": "ᓱ", "！": "ᓳ", "？": "ᓸ"}
HIDE = str.maketrans({**HIDDEN, "'": "⎋"})          # pysbd's replace_punctuation
HIDE_BUT_APOSTROPHES = str.maketrans(HIDDEN)        # ... between single quotes
PUNCTUATION = tuple(English.Punctuations)


DOC_TEXT = "text"  # doc.user_data key of the document's text (doc_text)


def doc_text(doc: Doc) -> str:
    """doc.text, kept in doc.user_data["text"]: spaCy joins it from every token at each access
    (0.08 ms a document, a twentieth of lexicon mode's time when two components read it);
    document.make_doc puts the record's text there as it tokenizes it."""
    text = doc.user_data.get(DOC_TEXT)
    if text is None:
        text = doc.user_data[DOC_TEXT] = doc.text
    return text

class UnknownPysbd(ImportError):
    """The installed pysbd is not the 0.3 whose patterns this module rewrites (requirements.lock pins 0.3.4)."""


class BadAbbreviation(ValueError):
    """The sentencizer's abbreviations are written as pysbd writes them: the word without
    its final period ("fig", "e.g"), no whitespace."""


def _rule(pattern, replacement: str | Callable = PERIOD, flags: int = 0, needs: tuple[str | re.Pattern, ...] = ()) -> Callable[[str], str]:
    """One of pysbd's substitutions (a Rule or a pattern) with a replacement of the same
    length; with `needs`, tried only on a text where one of them (a string or a pattern) occurs."""
    compiled = re.compile(getattr(pattern, "pattern", pattern), flags)
    if not needs:
        return lambda text: compiled.sub(replacement, text)

    def applied(text: str) -> str:
        for clue in needs:
            if clue in text if isinstance(clue, str) else clue.search(text):
                return compiled.sub(replacement, text)
        return text
    return applied


def _period_first(rule) -> str:
    """pysbd's "(?<=X)\\.Y" as "\\.(?<=X\\.)Y": the same matches, but re scans for the period."""
    lookbehind, rest = re.fullmatch(r"\(\?<=(.*?)\)\\\.(.*)", rule.pattern).groups()
    return rf"\.(?<={lookbehind}\.){rest}"


def _hide(match: re.Match) -> str:
    return match.group().translate(HIDE)


def _same_length(mark: str) -> Callable[[re.Match], str]:
    return lambda match: mark * len(match.group())


def _overwritten(text: str, characters: dict[int, str]) -> str:
    """text with the characters at some positions replaced (one for one)."""
    if not characters:
        return text
    pieces, start = [], 0
    for position in sorted(characters):
        pieces += [text[start:position], characters[position]]
        start = position + 1
    return "".join(pieces) + text[start:]


ALPHABETS = (ListItemReplacer.LATIN_NUMERALS, ListItemReplacer.ROMAN_NUMERALS)
# pysbd's ALPHABETICAL_LIST_WITH_PERIODS ("a." after a space), anchored on the period
LETTER_PERIOD = re.compile(r"\.(?<=(?<!\S)[a-z]\.)")
# pysbd's ALPHABETICAL_LIST_WITH_PARENS ("(a)", " a)"), anchored on the parenthesis: the
# letters before it, up to the longest numeral of the alphabets
LETTER_PAREN = re.compile(
    r"\)(?:" + "|".join(rf"(?<=(?<![^\s(])([a-z]{{{n}}})\))" for n in range(1, max(map(len, ListItemReplacer.ROMAN_NUMERALS)) + 1)) + ")"
)
# pysbd's NUMBERED_LIST_REGEX_1 and _2 ("1. " or "1.)" after a space, or after a dash or
# bullet after a space), anchored on the period: the one or two digits before it
NUMBER_PERIOD = re.compile(
    r"\.(?=[\s)])(?:" + "|".join(rf"(?<=(?<!\S){bullet}({digits})\.)" for bullet in ("", "[-⁃]") for digits in (r"\d\d", r"\d")) + ")"
)
# pysbd's NUMBERED_LIST_PARENS_REGEX ("1) "), anchored on the parenthesis: the last two digits before it
NUMBER_PAREN = re.compile(r"\)(?=\s)(?:(?<=(\d\d)\))|(?<=(\d)\)))")
LIST_PERIOD_BROKEN = re.compile(f"{LIST_PERIOD}.+[\r\n].+{LIST_PERIOD}")
LIST_PERIOD_AFTER_FOR = re.compile(rf"for\s\d{{1,2}}{LIST_PERIOD}\s[a-z]")
LIST_PAREN_BROKEN = re.compile(f"{LIST_PAREN}.+[\r\n].+{LIST_PAREN}")
LIST_PERIOD_BREAKS = tuple(
    _rule(rule, BREAK) for rule in (ListItemReplacer.SpaceBetweenListItemsFirstRule, ListItemReplacer.SpaceBetweenListItemsSecondRule)
)
LIST_PAREN_BREAK = _rule(ListItemReplacer.SpaceBetweenListItemsThirdRule, BREAK)

# Abbreviations (pysbd's AbbreviationReplacer): where the period of each kind may stand
# before, for it to end no sentence. pysbd works line by line, so a whitespace before a
# required character is never a line break.
FOLLOWERS = {
    "prepositive": r"\s|:\d+",
    "number": r"[^\S\r\n]\d|[^\S\r\n]+\(",
    "other": r"[.:\-?,]|[^\S\r\n](?:[a-z]|I\s|I'm|I'll|\d|\()",
}
ABBREVIATION_SHAPE = re.compile(r"[^\s.]+(?:\.[^\s.]+)*")
# Before the abbreviations: possessives ("Dr.'s"), single capitals ("J. Comp.", "Gould E. 1999").
BEFORE_ABBREVIATIONS = (
    _rule(English.PossessiveAbbreviationRule, needs=("'s",)),
    *(_rule(_period_first(rule)) for rule in English.SingleLetterAbbreviationRules.All),
)
# After them: runs of single letters ("i.p.", "e.g."), all their periods hidden ...
LETTER_RUN = re.compile(English.MULTI_PERIOD_ABBREVIATION_REGEX, re.IGNORECASE)
LETTER_RUN_START = re.compile(r"\.(?<=\b[a-z]\.)(?=[a-z]\.)", re.IGNORECASE)  # the first period of each LETTER_RUN
# ... then "a.m. The" and, before a word that starts sentences, "i.v. The" and "U.S. The" end a sentence again.
STARTERS = "|".join(English.AbbreviationReplacer.SENTENCE_STARTERS)
AFTER_ABBREVIATIONS = (
    *(_rule(rule, ".", needs=(f"{PERIOD}M{PERIOD}", f"{PERIOD}m{PERIOD}")) for rule in English.AmPmRules.All),
    _rule(
        rf"(U{PERIOD}S|U\.S|U{PERIOD}K|E{PERIOD}U|E\.U|U{PERIOD}S{PERIOD}A|U\.S\.A|I|i.v|I.V){PERIOD}("
        + "|".join(rf"(?=\s{word}\s)" for word in English.AbbreviationReplacer.SENTENCE_STARTERS) + ")",
        r"\1.", needs=(re.compile(rf"{PERIOD}\s(?:{STARTERS})\s"),),
    ),
)
# Numbers ("0.05", "2.a", "3. Results" opening a line), runs of "!!!", a numbered
# reference after a period ("cells.12 The": a break after it), parentheses between double quotes.
NUMBERS_AND_REFERENCES = (
    _rule(English.Numbers.PeriodBeforeNumberRule),
    *(_rule(_period_first(rule)) for rule in English.Numbers.All if rule is not English.Numbers.PeriodBeforeNumberRule),
    _rule(English.CONTINUOUS_PUNCTUATION_REGEX, _hide, needs=("!", "?")),
    _rule(
        English.NUMBERED_REFERENCE_REGEX, lambda m: PERIOD + m.group(2) + BREAK,
        needs=(re.compile(rf"{PERIOD}(?<=[^\d\s]{PERIOD})(?=[\[\d])"), ".["),
    ),
)
# Periods between letters or digits ("www.x.org"), pysbd's WithMultiplePeriodsAndEmailRule
# anchored on the period: its matches take the characters either side, so they never overlap.
INNER_PERIOD = re.compile(r"\.(?<=[a-zA-Z0-9_]\.)(?=[a-zA-Z0-9_])")
PARENS_BETWEEN_QUOTES = _rule(
    English.PARENS_BETWEEN_DOUBLE_QUOTES_REGEX, lambda m: re.sub(r"\s(?=\()|(?<=\))\s", BREAK, m.group()), needs=('"', "”")
)

# Within a segment: ellipses; then, in one with punctuation, periods inside quotes and
# brackets, doubled punctuation ("?!" becomes pysbd's one mark after a hidden "?", so
# that the sentence ends where it did), "!" and "?" that end no sentence, roman numerals.
ELLIPSES = (
    _rule(English.EllipsisRules.ThreeSpaceRule, _same_length(ELLIPSIS)),
    _rule(English.EllipsisRules.FourSpaceRule, _same_length(ELLIPSIS)),
    _rule(English.EllipsisRules.FourConsecutiveRule, _same_length(ELLIPSIS)),
    _rule(English.EllipsisRules.ThreeConsecutiveRule, ELLIPSIS * 2 + "."),
    _rule(English.EllipsisRules.OtherThreePeriodRule, _same_length(ELLIPSIS)),
)
ELLIPSIS_CLUE = re.compile(r"\.\.\.|\.\s\.")
HIDE_SINGLE_QUOTED = _rule(BetweenPunctuation.BETWEEN_SINGLE_QUOTES_REGEX, lambda match: match.group().translate(HIDE_BUT_APOSTROPHES))
LEADING_APOSTROPHE = re.compile(BetweenPunctuation.WORD_WITH_LEADING_APOSTROPHE)
APOSTROPHE_SPACE = re.compile(r"'\s")
BETWEEN_PARENS = _rule(BetweenPunctuation.BETWEEN_PARENS_REGEX_2, _hide, needs=("(",))
# pysbd's pattern for parentheses matches "\([^()\\]+\)" where there is no backslash; only
# those with punctuation in them change
HIDEABLE = re.escape("".join(HIDDEN) + "'")
PARENS_WITH_PUNCTUATION = _rule(rf"\([^()\\]*[{HIDEABLE}][^()\\]*\)", _hide, needs=("(",))


def _between_parens(segment: str) -> str:
    return BETWEEN_PARENS(segment) if "\\" in segment else PARENS_WITH_PUNCTUATION(segment)


BETWEEN_PUNCTUATION = tuple(
    _between_parens if name == "BETWEEN_PARENS_REGEX_2" else _rule(getattr(BetweenPunctuation, name), _hide, needs=(opening,))
    for name, opening in (
        ("BETWEEN_SINGLE_QUOTE_SLANTED_REGEX", "‘"), ("BETWEEN_DOUBLE_QUOTES_REGEX_2", '"'), ("BETWEEN_SQUARE_BRACKETS_REGEX_2", "["),
        ("BETWEEN_PARENS_REGEX_2", "("), ("BETWEEN_QUOTE_ARROW_REGEX_2", "«"), ("BETWEEN_EM_DASHES_REGEX_2", "--"),
        ("BETWEEN_QUOTE_SLANTED_REGEX_2", "“"),
    )
)
STARTS_DOUBLE_PUNCTUATION = re.compile(English.DoublePunctuationRules.DoublePunctuation)
DOUBLE_MARKS = tuple((rule, HIDDEN[rule.pattern.lstrip("\\")[0]] + rule.replacement) for rule in English.DoublePunctuationRules.All)
DOUBLED = tuple(_rule(rule, mark) for rule, mark in DOUBLE_MARKS)
MID_SENTENCE = (
    _rule(English.QuestionMarkInQuotationRule, HIDDEN["?"], needs=("?",)),
    *(_rule(rule, HIDDEN["!"], needs=("!",)) for rule in English.ExclamationPointRules.All),
    _rule(ListItemReplacer.ROMAN_NUMERALS_IN_PARENTHESES, lambda m: OPEN_ITEM + m.group(1) + CLOSE_ITEM, needs=("(",)),
)
# pysbd's sentence pattern, its lazy "\S.*?[ends]" written "\S[^ends\n]*[ends]": the same
# matches, without trying the ends after each character. A sentence that opens with doubled
# punctuation takes both its characters first, as it takes pysbd's one mark.
LAZY_SENTENCE = r"\S.*?[。．.！!?？ȸȹ☉☈☇☄]"
if LAZY_SENTENCE not in English.SENTENCE_BOUNDARY_REGEX:
    raise UnknownPysbd("pysbd's sentence pattern is not pysbd 0.3's: install the version requirements.lock pins")
SENTENCE = re.compile(English.SENTENCE_BOUNDARY_REGEX.replace(
    LAZY_SENTENCE, "(?:" + "|".join(mark for _, mark in DOUBLE_MARKS)
    + r"|\S)[^。．.！!?？ȸȹ☉☈☇☄\n]*[。．.！!?？ȸȹ☉☈☇☄]"
))
QUOTES = ("\"", "'", "“", "”")  # one of which QUOTATION_AT_END needs
QUOTATION_AT_END = re.compile(English.QUOTATION_AT_END_OF_SENTENCE_REGEX)
SPACE_AFTER_QUOTATION = re.compile(English.SPLIT_SPACE_QUOTATION_AT_END_OF_SENTENCE_REGEX)
WHITESPACE = re.compile(r"\s*")
NEWLINE = re.compile("\n")


def _check(words: Iterable[str], kind: str) -> list[str]:
    words = list(words)
    for word in words:
        if not isinstance(word, str) or not ABBREVIATION_SHAPE.fullmatch(word):
            raise BadAbbreviation(
                f"{kind} abbreviation {word!r}: write the word without its final period and without spaces, as pysbd does (\"fig\", \"e.g\")"
            )
    return words


class PysbdRules:
    """pysbd's English segmentation on a masked copy of the text: the sentence spans
    scispaCy's pysbd_sentencizer asks spaCy for (start, end without trailing spaces)."""

    def __init__(self, abbreviations: Iterable[str], prepositive: Iterable[str], number: Iterable[str]) -> None:
        prepositive = {word.lower() for word in _check(prepositive, "prepositive")}
        number = {word.lower() for word in _check(number, "number")}
        by_kind: dict[str, dict[int, set[str]]] = {kind: {} for kind in FOLLOWERS}
        for word in _check(abbreviations, "sentence"):
            kind = "prepositive" if word.lower() in prepositive else "number" if word.lower() in number else "other"
            by_kind[kind].setdefault(len(word), set()).add(re.escape(word.lower()))
        # for each kind, a period after one of its words (after a space, any case) and before
        # what may follow it: one look-behind for each length of word
        self.abbreviation_periods = [
            re.compile(
                r"\.(?:" + "|".join(rf"(?<=(?<!\S)(?i:{'|'.join(sorted(words))})\.)" for _, words in sorted(lengths.items()))
                + f")(?={FOLLOWERS[kind]})"
            )
            for kind, lengths in by_kind.items() if lengths
        ]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each sentence of text, in order."""
        masked, cuts = _list_items(text.replace("\n", BREAK))
        for rule in BEFORE_ABBREVIATIONS:
            masked = rule(masked)
        masked = _letter_runs(self._abbreviations(masked))
        for rule in AFTER_ABBREVIATIONS + NUMBERS_AND_REFERENCES:
            masked = rule(masked)
        masked = PARENS_BETWEEN_QUOTES(_inner_periods(masked))
        quotes = any(quote in text for quote in QUOTES)
        spans, previous_end = [], 0
        for start, end in _segments(masked, cuts):
            for sentence_start, sentence_end in _sentences(masked[start:end]):
                for piece_start, piece_end in _post_processed(text, start + sentence_start, start + sentence_end, quotes):
                    found = _found(text, text[piece_start:piece_end], previous_end)
                    if found:
                        spans.append(found[:2])
                        previous_end = found[2]
        return spans

    def _abbreviations(self, masked: str) -> str:
        """Hide the period of each known abbreviation written after a space and before what
        its kind may stand before (pysbd's AbbreviationReplacer, case-insensitive like it)."""
        return _overwritten(masked, {m.start(): PERIOD for pattern in self.abbreviation_periods for m in pattern.finditer(masked)})


def _list_items(masked: str) -> tuple[str, set[int]]:
    """pysbd's ListItemReplacer.add_line_break: a break before each item of a list ("a.
    ... b.", "(a) ... (b)", "(i) ... (ii)", "1. ... 2.", "1) ... 2)") whose items follow
    each other. Returns the masked text and the cuts, breaks after no whitespace."""
    cuts: set[int] = set()
    for alphabet in ALPHABETS:
        items = [(masked[m.start() - 1], m.start()) for m in LETTER_PERIOD.finditer(masked)]
        for letter in _listed_letters([letter for letter, _ in items], alphabet):
            periods = [period for label, period in items if label == letter]
            masked = _cut(_overwritten(masked, dict.fromkeys(periods, PERIOD)), cuts, [period - 1 for period in periods])
        items = [(m.group(m.lastindex), m.start() - len(m.group(m.lastindex))) for m in LETTER_PAREN.finditer(masked)]
        for letter in _listed_letters([letter for letter, _ in items], alphabet):
            starts = [start for label, start in items if label == letter]
            opened = [start - 1 for start in starts if start > 0 and masked[start - 1] == "("]
            bare = [start for start in starts if start - 1 not in opened]
            masked = _cut(_overwritten(masked, dict.fromkeys(opened, OPEN_ITEM)), cuts, opened + bare)
    masked = _numbered_items(masked, NUMBER_PERIOD, LIST_PERIOD)
    if LIST_PERIOD in masked:
        if not _broken(masked, cuts, LIST_PERIOD_BROKEN, LIST_PERIOD) and not LIST_PERIOD_AFTER_FOR.search(masked):
            for rule in LIST_PERIOD_BREAKS:
                masked = rule(masked)
        masked = masked.replace(LIST_PERIOD, PERIOD)
    for _ in range(2):  # pysbd looks twice
        masked = _numbered_items(masked, NUMBER_PAREN, LIST_PAREN)
    if LIST_PAREN in masked:
        if not _broken(masked, cuts, LIST_PAREN_BROKEN, LIST_PAREN):
            masked = LIST_PAREN_BREAK(masked)
        masked = masked.replace(LIST_PAREN, ")")
    return masked, cuts


def _listed_letters(found: list[str], alphabet: list[str]) -> list[str]:
    """The letters of a lettered list's items that neighbour each other in the alphabet, each
    once (pysbd's iterate_alphabet_array, which compares the first item with the last too)."""
    found = [letter for letter in found if letter in alphabet]
    if len(found) < 2:
        return []
    position = alphabet.index
    listed = []
    for i, letter in enumerate(found):
        after_previous = abs(position(found[i - 1]) - position(letter)) == 1
        before_next = i < len(found) - 1 and position(found[i + 1]) - position(letter) == 1
        if after_previous or before_next:
            listed.append(letter)
    return list(dict.fromkeys(listed))


def _numbered_items(masked: str, finder: re.Pattern, mark: str) -> str:
    """Mark the period or parenthesis of the "1." or "1)" items of a numbered list whose
    numbers follow each other (pysbd's scan_lists); "01." is no item 1."""
    items = [(m.group(m.lastindex), m.start()) for m in finder.finditer(masked)]
    if len(items) < 2:
        return masked
    numbers = [int(digits) for digits, _ in items]
    listed = set()
    for i, number in enumerate(numbers):
        before_next = i < len(numbers) - 1 and number + 1 == numbers[i + 1]
        after_previous = i > 0 and (number - 1 == numbers[i - 1] or {number, numbers[i - 1]} == {0, 9})
        if before_next or after_previous:
            listed.add(str(number))
    return _overwritten(masked, {position: mark for digits, position in items if digits in listed})


def _broken(masked: str, cuts: set[int], broken: re.Pattern, mark: str) -> bool:
    """Whether a line break stands between two list marks (pysbd then adds no breaks)."""
    first, last = masked.find(mark), masked.rfind(mark)
    return bool(broken.search(masked)) or any(first + 2 <= cut < last for cut in cuts)


def _cut(masked: str, cuts: set[int], starts: Iterable[int]) -> str:
    """A break before each start: the whitespace before it becomes one, or a cut is kept."""
    breaks = {}
    for start in starts:
        if start > 0 and masked[start - 1].isspace():
            breaks[start - 1] = BREAK
        elif start > 0:
            cuts.add(start)
    return _overwritten(masked, breaks)


def _letter_runs(masked: str) -> str:
    """Hide every period of runs of single letters, "i.p.", "e.g." (pysbd's replace_multi_period_abbreviations)."""
    periods, end = {}, 0
    for start in LETTER_RUN_START.finditer(masked):
        if start.start() - 1 >= end:
            run = LETTER_RUN.match(masked, start.start() - 1)
            periods.update((run.start() + i, PERIOD) for i, c in enumerate(run.group()) if c == ".")
            end = run.end()
    return _overwritten(masked, periods)


def _inner_periods(masked: str) -> str:
    """Hide the periods between letters or digits, as pysbd's left-to-right matches do."""
    periods, end = {}, 0
    for match in INNER_PERIOD.finditer(masked):
        if match.start() - 1 >= end:
            periods[match.start()] = PERIOD
            end = match.start() + 2
    return _overwritten(masked, periods)


def _segments(masked: str, cuts: set[int]) -> Iterator[tuple[int, int]]:
    """The non-empty stretches between line breaks and cuts."""
    start = 0
    for position in sorted({*cuts, *(m.start() for m in re.finditer(BREAK, masked))}):
        if position > start:
            yield start, position
        start = position + 1 if masked[position] == BREAK else position
    if start < len(masked):
        yield start, len(masked)


def _sentences(segment: str) -> list[tuple[int, int]]:
    """pysbd's sentences of one segment (process_text), as offsets into it."""
    if ELLIPSIS_CLUE.search(segment):
        for rule in ELLIPSES:
            segment = rule(segment)
    if not any(mark in segment for mark in PUNCTUATION):
        return [(0, len(segment))]
    length = len(segment)
    if segment[-1] not in PUNCTUATION:
        segment += END
    if "'" in segment and not (LEADING_APOSTROPHE.search(segment) and not APOSTROPHE_SPACE.search(segment)):
        segment = HIDE_SINGLE_QUOTED(segment)
    for rule in BETWEEN_PUNCTUATION:
        segment = rule(segment)
    if ("!" in segment or "?" in segment) and not STARTS_DOUBLE_PUNCTUATION.match(segment):
        for rule in DOUBLED:
            segment = rule(segment)
    for rule in MID_SENTENCE:
        segment = rule(segment)
    return [(m.start(), min(m.end(), length)) for m in SENTENCE.finditer(segment)]


def _post_processed(text: str, start: int, end: int, quotes: bool) -> list[tuple[int, int]]:
    """pysbd's post_process_segments on the original characters: a quotation that ends a
    sentence inside it ('... "no." Then') splits it; else it is stripped."""
    if quotes and QUOTATION_AT_END.search(text, start, end):
        pieces, piece_start = [], start
        for space in SPACE_AFTER_QUOTATION.finditer(text[start:end]):
            pieces.append((piece_start, start + space.start()))
            piece_start = start + space.end()
        return [*pieces, (piece_start, end)]
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []


def _found(text: str, sentence: str, previous_end: int) -> tuple[int, int, int] | None:
    """Where pysbd finds a sentence back in the text: the first of the (non-overlapping)
    places of its text and the whitespace after it that ends after the previous sentence,
    nearly always where it was cut from. Returns its start, the end scispaCy asks spaCy
    for (without trailing spaces) and the end with the whitespace; None if pysbd loses it."""
    start = text.find(sentence)
    while start >= 0:
        end = start + len(sentence)
        after = WHITESPACE.match(text, end).end()
        if after > previous_end:
            return start, end + len(text[end:after].rstrip(" ")), after
        start = text.find(sentence, after)
    return None


@Language.factory(
    "pysbd_rule_sentencizer",
    default_config={"abbreviations": None, "prepositive_abbreviations": None, "number_abbreviations": None, "no_break_after": None},
    assigns=["token.is_sent_start"],
)
def make_rule_sentencizer(
    nlp: Language,
    name: str,
    abbreviations: list[str] | None,
    prepositive_abbreviations: list[str] | None,
    number_abbreviations: list[str] | None,
    no_break_after: list[str] | None,
) -> "RuleSentencizer":
    """The sentencizer. A list left null is the one pysbd_sentencizer uses: pysbd's English
    abbreviations (all; those written before names, "Dr."; those before numbers, "No."),
    and the tokens of scispacy.consts.ABBREVIATIONS, after which no sentence starts."""
    return RuleSentencizer(
        name,
        English.Abbreviation.ABBREVIATIONS if abbreviations is None else abbreviations,
        English.Abbreviation.PREPOSITIVE_ABBREVIATIONS if prepositive_abbreviations is None else prepositive_abbreviations,
        English.Abbreviation.NUMBER_ABBREVIATIONS if number_abbreviations is None else number_abbreviations,
        SCISPACY_ABBREVIATION_TOKENS if no_break_after is None else no_break_after,
    )


class RuleSentencizer:
    """Sets token.is_sent_start as scispaCy's pysbd_sentencizer would (see the module docstring)."""

    def __init__(
        self, name: str, abbreviations: Iterable[str], prepositive_abbreviations: Iterable[str],
        number_abbreviations: Iterable[str], no_break_after: Iterable[str],
    ) -> None:
        self.name = name
        self.rules = PysbdRules(abbreviations, prepositive_abbreviations, number_abbreviations)
        self.no_break_after = frozenset(no_break_after)

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        text = doc_text(doc)
        columns = doc.to_array([IDX, LENGTH, SENT_START]).astype(numpy.int64)
        token_starts = columns[:, 0]
        token_ends = token_starts + columns[:, 1]
        spans = numpy.array(self.rules.spans(text), dtype=numpy.int64).reshape(-1, 2)
        # a sentence counts where both its ends fall on token boundaries (Doc.char_span)
        first = numpy.searchsorted(token_starts, spans[:, 0]).clip(max=len(doc) - 1)
        last = numpy.searchsorted(token_ends, spans[:, 1]).clip(max=len(doc) - 1)
        aligned = (token_starts[first] == spans[:, 0]) & (token_ends[last] == spans[:, 1])
        starts = numpy.zeros(len(doc), dtype=bool)
        starts[first[aligned]] = True
        if "\n" in text:
            starts = _newline_rules(text, token_starts, token_ends, starts)
        for i in numpy.flatnonzero(starts[1:]).tolist():  # token i + 1 starts a sentence
            if text[token_starts[i]:token_ends[i]] in self.no_break_after:
                starts[i + 1] = False
        starts[0] = True
        preset = columns[:, 2]  # 1 or -1 where set before, else 0
        doc.from_array([SENT_START], numpy.where(preset != 0, preset, numpy.where(starts, 1, -1)).astype(numpy.uint64))
        return doc


def _newline_rules(text: str, token_starts: numpy.ndarray, token_ends: numpy.ndarray, starts: numpy.ndarray) -> numpy.ndarray:
    """scispaCy's: a sentence starts after a token of two or more newlines (not the first
    token); a first token of newlines joins the sentence after it. Changes starts in place."""
    positions = [match.start() for match in NEWLINE.finditer(text)]
    newlines = numpy.bincount(numpy.searchsorted(token_starts, positions, side="right") - 1, minlength=len(starts))
    starts[2:] |= newlines[1:-1] >= 2
    if len(starts) > 1 and newlines[0] == token_ends[0] - token_starts[0]:
        starts[1] = False
    return starts


def sentence_starts(doc: Doc) -> list[int]:
    """The first token of each sentence of a sentence-split Doc, in order (read from the
    SENT_START array: no Span or Token objects, unlike Span.sent)."""
    starts = numpy.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
    return starts if starts[:1] == [0] else [0, *starts]


def sentence_of(starts: list[int], token: int) -> int:
    """The index, in sentence_starts(doc), of the sentence a token belongs to."""
    return bisect_right(starts, token) - 1
