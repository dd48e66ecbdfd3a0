"""Coordinated heads: one concept per conjunct ("D1 and D2 receptors", "dorsal and ventral striatum").

The literature shares a head between coordinated modifiers: "D1 and D2 receptors" names
the D1 and the D2 receptor, "mu- and kappa-opioid receptors" the mu and the kappa opioid
receptor, "central or basolateral nucleus of the amygdala" two nuclei, "nucleus accumbens
core and shell" two subregions. The concept matcher finds the full name beside the
coordinator (D2 receptors); `conjunct_spans` then reads each conjunct on the other side as
that name with its modifier replaced (D1 receptors), and when the knowledge base has such a
name, of the same type, the conjunct becomes a mention of it. Only the conjunct's own words
are the mention (corpora/gold/GUIDELINES.md, rule 5); a hanging hyphen ("mu-") stays out.

A subtype written after a slash as the end of a numbered name ("5-HT1A/1B", "NR2A/B") is the
subtype's own mention.

Conjuncts are read leftwards through lists ("CRF1, CRF2 and CRF3 receptors", with or without a
serial comma before the last coordinator: "Y1, Y2, and Y5 receptors") and
rightwards after the name ("core and shell"), up to MAX_CONJUNCT_TOKENS words each, never
across a sentence start or another mention.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from spacy.tokens import Doc, Span

CLAUSE_COORDINATORS = ("and", "or")  # the coordinators that also join predicates and clauses (context.py)
COORDINATORS = frozenset({*CLAUSE_COORDINATORS, "nor", "and/or", ",", "/", "&"})  # what joins conjuncts
MAX_CONJUNCT_TOKENS = 3
HYPHEN = "-"


def _is_word(text: str) -> bool:
    return any(character.isalnum() for character in text)


def _candidates(conjunct: list[str], name: list[str], left: bool) -> list[list[str]]:
    """Words of the names a conjunct may stand for: the name with its first (left) or last
    words replaced by the conjunct's, longest remainder first."""
    if left and conjunct[-1] == HYPHEN:  # "mu- and kappa-opioid receptors": mu-opioid receptors
        head, _, tail = name[0].partition(HYPHEN)
        if not tail:
            return [conjunct[:-1] + name[1:]]
        return [conjunct[:-2] + [f"{conjunct[-2]}-{tail}"] + name[1:], conjunct + [tail] + name[1:]]
    if left:
        return [conjunct + name[cut:] for cut in range(1, len(name))]
    return [name[:cut] + conjunct for cut in range(len(name) - 1, 0, -1)]


SHARED_HEADS = frozenset({"receptor", "subunit"})  # normal forms
_SUBTYPE_SUFFIX = re.compile(r"^(?:\d{1,2}[A-Za-z]?|[A-Z])$")


def _slashed_subtype(
    doc: Doc, span: Span, taken: set[int], concepts_named: Callable[[tuple[str, ...], str], str | None],
    make_span: Callable[[int, int, str], Span],
) -> Span | None:
    """The subtype written after a slash as the end of a numbered name only ("5-HT1A/1B" names
    the 5-HT1B receptor, "NR2A/B" NR2B): the name's own ending replaced by it, when the knowledge
    base has that name with the mention's label."""
    after = span.end + 1
    if after >= len(doc) or doc[span.end].text != "/" or after in taken or not _SUBTYPE_SUFFIX.match(doc[after].text):
        return None
    if doc[span.end - 1].whitespace_ or doc[span.end].whitespace_:
        return None
    last, suffix = doc[span.end - 1].text, doc[after].text
    stem = re.sub(r"\d{1,2}[A-Za-z]?$" if suffix[0].isdigit() else r"[A-Za-z]$", "", last)
    if stem == last or not stem:
        return None
    words = tuple(t.text for t in doc[span.start:span.end - 1]) + (stem + suffix,)
    concept_id = concepts_named(words, span.label_)
    if concept_id is None or concept_id == span.kb_id_:
        return None
    end = after + 2 if after + 1 < len(doc) and doc[after + 1].norm_ in SHARED_HEADS and after + 1 not in taken else after + 1
    return make_span(after, end, concept_id)  # the shared head goes with the last conjunct (guidelines, rule 5)


def conjunct_spans(
    doc: Doc, spans: Sequence[Span], concepts_named: Callable[[tuple[str, ...], str], str | None],
    make_span: Callable[[int, int, str], Span],
) -> list[Span]:
    """Spans for the conjuncts coordinated with the given mentions (see the module docstring).

    `concepts_named(words, label)` is the concept of that label with an alias of exactly
    these words, or None; `make_span(start, end, concept_id)` builds a mention.
    """
    taken = {i for span in spans for i in range(span.start, span.end)}
    found: list[Span] = []

    def conjunct(start: int, end: int, name: list[str], label: str, left: bool) -> Span | None:
        if start < 0 or end > len(doc) or any(i in taken for i in range(start, end)):
            return None
        if any(doc[i].is_sent_start for i in range(start + 1, end)) or not all(_is_word(t.text) or t.text == HYPHEN for t in doc[start:end]):
            return None
        words = [t.text for t in doc[start:end]]
        if words[0] == HYPHEN or (HYPHEN in words[:-1]) or (not left and words[-1] == HYPHEN):
            return None
        for candidate in _candidates(words, name, left):
            concept_id = concepts_named(tuple(candidate), label)
            if concept_id is not None:
                stop = end - 1 if words[-1] == HYPHEN else end
                return make_span(start, stop, concept_id)
        return None

    for span in spans:
        suffix = _slashed_subtype(doc, span, taken, concepts_named, make_span)
        if suffix is not None:  # "5-HT1A/1B", "NR2A/B": the subtype after the slash
            found.append(suffix)
            taken.update(range(suffix.start, suffix.end))
        name = [t.text for t in span]
        if len(name) < 2 and HYPHEN not in name[0].strip(HYPHEN):  # one word shares its head only after a hyphen ("alpha2- and beta-adrenoceptors")
            continue
        position = span.start  # leftwards: "X1, X2 and NAME"
        while position >= 2 and doc[position - 1].lower_ in COORDINATORS and not doc[position].is_sent_start:
            coordinator = position - 1
            if doc[coordinator].lower_ in CLAUSE_COORDINATORS and coordinator >= 2 and doc[coordinator - 1].text == ",":
                coordinator -= 1  # the serial comma: "Y1, Y2, and Y5 receptors"
            match = next((m for length in range(MAX_CONJUNCT_TOKENS, 0, -1)
                          if (m := conjunct(coordinator - length, coordinator, name, span.label_, True))), None)
            if match is None:
                break
            found.append(match)
            taken.update(range(match.start, coordinator))
            position = match.start
        position = span.end  # rightwards: "NAME and Y"
        if position + 1 < len(doc) and doc[position].lower_ in COORDINATORS and doc[position].lower_ != "," and not doc[position + 1].is_sent_start:
            match = next((m for length in range(MAX_CONJUNCT_TOKENS, 0, -1)
                          if (m := conjunct(position + 1, position + 1 + length, name, span.label_, False))), None)
            if match is not None:
                found.append(match)
                taken.update(range(match.start, match.end))
    return found
