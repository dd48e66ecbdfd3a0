"""Spelling variants of biomedical terms, folded to one normal form.

`normalize_word` is installed as the vocabulary's NORM getter, so every token's
``norm_`` is its normal form and the concept matcher compares norms: case, simple
and Latin plurals, British/American spelling, Greek letters and dash characters then
match alike (μ-opioid = mu-opioid, caeruleus = ceruleus, nuclei = nucleus,
diarrhoea = diarrhea). Hyphen-versus-space variants, dashes the tokenizer splits off
and numbers in parentheses span a different number of tokens, so they are generated on
the alias side by `alias_variants`.
"""

from __future__ import annotations

import re
from functools import lru_cache

GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "µ": "mu", "ν": "nu", "ξ": "xi",
    "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega",
}
_CHARACTERS = str.maketrans({**GREEK, "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-", "’": "'", "ʼ": "'"})

# Plural to singular: the first rule that matches the end of the word applies.
_PLURAL = [
    (re.compile(r"(?<=[a-z]{3})ices$"), "ex"),          # cortices -> cortex
    (re.compile(r"(?<=[a-z]{2})ies$"), "y"),            # bodies -> body
    (re.compile(r"(?<=[a-z]{4})ae$"), "a"),             # amygdalae -> amygdala
    (re.compile(r"(?<=[a-z]{2}[b-hj-z])i$"), "us"),     # nuclei -> nucleus, gyri -> gyrus
    (re.compile(r"(?<=[a-z]{2}[a-hj-rtv-z])s$"), ""),   # receptors -> receptor; not -ss, -us, -is
]

# British to American spelling, applied in turn.
_SPELLING = [
    (re.compile(r"(?<=[a-z])ae(?=[a-z])"), "e"),                        # caeruleus, haemorrhage
    (re.compile(r"(?<=[a-z])oe(?=[a-z])|^oe(?=[a-z]{3})"), "e"),        # diarrhoea, oestrogen
    (re.compile(r"(?<=[a-z][bdilmnprv])our(?=(?:s|al|ally)?$)"), "or"),  # behaviour, tumour
    (re.compile(r"(?<=[a-z]{3})is(ation|ations|e|ed|es|ing)$"), r"iz\1"),  # sensitisation
    (re.compile(r"(?<=[a-z]{2})ys(e|ed|es|ing)$"), r"yz\1"),             # analyse
    (re.compile(r"(?<=[a-z]{3}[bt])re(s?)$"), r"er\1"),                   # centre, fibre
    (re.compile(r"(?<=[a-z]{3}[aeiou])ll(ed|ing)$"), r"l\1"),            # signalling, labelled
    (re.compile(r"(?<=[a-z]{3})ogue(s?)$"), r"og\1"),                     # analogue
    (re.compile(r"(?<=depend)ency$"), "ence"),                         # physical dependency
    (re.compile(r"grey"), "gray"),
    (re.compile(r"sulph"), "sulf"),
]

_GREEK_LETTERS = str.maketrans(GREEK)


def greek_spelled_out(text: str) -> str:
    """The text with its Greek letters spelled out in Latin letters: α4β2 -> alpha4beta2, κOR -> kappaOR."""
    return text.translate(_GREEK_LETTERS)


_LETTER_DASH_DIGIT = re.compile(r"(?<=[a-z])-(?=\d)")  # alpha-2 -> alpha2, IL-6 -> il6


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str:
    """The normal form of one token: lower case, Greek spelled out, singular, American."""
    text = singular(_LETTER_DASH_DIGIT.sub("", word.lower().translate(_CHARACTERS)))
    for pattern, replacement in _SPELLING:
        text = pattern.sub(replacement, text)
    return text


def singular(word: str) -> str:
    """A lower-case word in the singular, by the first plural rule that matches its end."""
    for pattern, replacement in _PLURAL:
        word, count = pattern.subn(replacement, word, count=1)
        if count:
            break
    return word


_NUMBERED_WORD = re.compile(r"\b([A-Za-z]{2,})(\d{1,2}[A-Z]?)\b")
_STEREO = re.compile(r"(?<=-)[DL](?=-)")
_ROMAN = {"1": "I", "2": "II", "3": "III"}
_TYPE_NUMBER = [
    (re.compile(r"\b([Tt]ype)([ -])([123])\b"), lambda m: f"{m[1]}{m[2]}{_ROMAN[m[3]]}"),
    (re.compile(r"\b([Tt]ype)([ -])(I{1,3})\b"), lambda m: f"{m[1]}{m[2]}{len(m[3])}"),
]
_LETTER_HYPHEN_LETTER = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_NUMBERED_NAME = re.compile(r"^((?:\d+-)?(?:[A-Za-z]+|[α-ω]))(\d+[A-Za-z]?)(-[^\W\d_]+)?$")  # CRF1, 5-HT1A, D2, mGlu5, σ1: written CRF(1), 5-HT(1A), D(2), mGlu(5), σ(1)
_CHEMICAL_PREFIX = re.compile(r"(?<![A-Za-z])(amino|hydroxy)(?=[a-z]{4})", re.I)  # aminobutyric = amino butyric
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # a code name's comma: CP-154,526 = CP-154526


def alias_variants(alias: str) -> list[str]:
    """The alias and its spelling variants: wet-dog shakes, wet dog shakes, mu-opioid receptor...

    - Words split at hyphens and spaces are joined again, one adjacent pair at a time,
      with a hyphen (and, where the alias had a hyphen there, with nothing: anti-reward,
      antireward); the alias itself always comes first.
    - A hyphen between letters is also written as a separate token
      (hypothalamic - pituitary - adrenal): scispaCy's tokenizer splits en and em dashes
      between letters off as tokens, and their NORM is "-", so "hypothalamic–pituitary–
      adrenal" then matches.
    - A numbered name is also written with its number in parentheses, as PubMed renders
      subscripts: CRF(1), 5-HT(1A), D(2), mGlu(5), sigma(1), σ(1), α(2)-adrenoceptor.
    - The number of a numbered name is also set apart by a space: mGluR 5, 5-HT 1A, CRF 1.
    - A stereodescriptor between hyphens is also written in lower case: N-methyl-d-aspartate.
    - A numbered type is written in Arabic or Roman numerals: cannabinoid type 1 receptor,
      cannabinoid type I receptor; type II glucocorticoid receptor, type 2 glucocorticoid receptor.
    - A code name's thousands comma may be left out: CP-154,526, CP-154526, CP154526.
    - An amino or hydroxy prefix may be written apart: gamma-aminobutyric acid, gamma amino
      butyric acid, gamma-amino-butyric acid; 5-hydroxytryptamine, 5-hydroxy tryptamine.
    """
    words = alias.replace("-", " ").split()
    variants = [alias, " ".join(words)]
    if len(words) <= 5:
        for i in range(len(words) - 1):
            joiners = ("-", "") if f"{words[i]}-{words[i + 1]}" in alias else ("-",)
            for joiner in joiners:
                variants.append(" ".join([*words[:i], words[i] + joiner + words[i + 1], *words[i + 2:]]))
    if _LETTER_HYPHEN_LETTER.search(alias):
        variants.append(_LETTER_HYPHEN_LETTER.sub(" - ", alias))
    spaced = _NUMBERED_WORD.sub(r"\1 \2", alias)
    if spaced != alias:  # a subtype's number set apart, as text taken from PDFs has it: mGluR 5, 5-HT 1A
        variants.append(spaced)
    if _STEREO.search(alias):  # N-methyl-D-aspartate is also written N-methyl-d-aspartate
        variants.append(_STEREO.sub(lambda m: m[0].lower(), alias))
    for variant in list(variants):  # type 1 receptor = type I receptor, type II = type 2
        for pattern, replace in _TYPE_NUMBER:
            roman = pattern.sub(replace, variant)
            if roman != variant:
                variants.append(roman)
    for variant in list(variants):
        numbered = [_NUMBERED_NAME.sub(r"\1(\2)\3", word) for word in variant.split()]
        if numbered != variant.split():
            variants.append(" ".join(numbered))
    if _THOUSANDS_COMMA.search(alias):
        variants += [_THOUSANDS_COMMA.sub("", variant) for variant in variants]
    split = _CHEMICAL_PREFIX.sub(r"\1 ", alias)
    if split != alias:
        variants += alias_variants(split)
    return list(dict.fromkeys(variants))
