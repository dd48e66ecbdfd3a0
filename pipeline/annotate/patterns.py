"""Matcher patterns from the knowledge base: every alias variant, tokenized, with its key.

Synonyms and preferred names are keyed by the normal forms of their tokens (the NORM
the matcher compares); abbreviations by their exact tokens (ORTH). `resolve_patterns`
applies the knowledge base's alias rules and settles aliases that several concepts
share, reporting those no rule settles: the first concept read keeps them.

Two rules of the annotation guidelines are applied here for every concept: a drug class
named by a receptor or a neurochemical and its role ("KOR antagonist", "CRF1 receptor
agonist", "FAAH inhibitor") is not matched as a DRUG, so that the receptor or the
neurochemical is found alone (corpora/gold/GUIDELINES.md, RECEPTOR); and a pathway named
by its two regions ("MHb-IPN pathway") is not matched as a NEURAL_SYSTEM, so that the
regions are (BRAIN_REGION).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokenizer import Tokenizer

from pipeline.annotate.normalize import GREEK, alias_variants, greek_spelled_out, normalize_word
from pipeline.kb import LABELS, KnowledgeBase

SYNONYM = "synonym"
ABBREVIATION = "abbreviation"
BLOCK = "block"  # a phrase no mention may overlap (alias rule "block")
# Words that make a drug class of a receptor or neurochemical name ("KOR antagonist").
DRUG_ROLES = frozenset({"antagonist", "agonist", "blocker", "inhibitor", "modulator", "ligand", "activator"})
NAMED_IN_DRUG_ROLES = ("RECEPTOR", "NEUROCHEMICAL")
PATHWAY_HEADS = frozenset({"pathway", "projection", "circuit", "connection", "input", "output"})  # normal forms


@dataclass(frozen=True)
class Pattern:
    """One tokenized alias variant of a concept: its tokens' texts and normal forms (NORM)."""

    concept_id: str
    kind: str
    alias: str
    words: tuple[str, ...]
    norm_key: tuple[str, ...]

    @property
    def key(self) -> tuple[str, ...]:
        """What the matcher compares: normal forms for synonyms, exact tokens for abbreviations."""
        return self.norm_key if self.kind == SYNONYM else self.words


@dataclass(frozen=True)
class Collision:
    """An alias that several concepts claim and no alias rule settles."""

    alias: str
    concept_ids: tuple[str, ...]
    kept: str


@dataclass
class ResolvedPatterns:
    """The patterns the matcher uses, context requirements, and unsettled collisions."""

    synonyms: list[Pattern] = field(default_factory=list)
    abbreviations: list[Pattern] = field(default_factory=list)
    context: dict[tuple[str, tuple[str, ...]], frozenset[str]] = field(default_factory=dict)
    not_after: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # by normal forms
    noun_only: set[tuple[str, ...]] = field(default_factory=set)  # normal forms of aliases matched only as nouns
    blocks: list[Pattern] = field(default_factory=list)
    collisions: list[Collision] = field(default_factory=list)


def sentence_initial(short: str) -> bool:
    """Whether a short form that starts with a small letter and has a capital after it
    (nor-BNI, norBNI, mGluR5) is also written capitalised where a sentence starts with it
    ("Nor-BNI blocked..."); the matcher takes that variant at a sentence start only."""
    return short[:1].islower() and any(c.isupper() for c in short[1:])


def alias_texts(kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    """(concept id, kind, alias, variant text) for every alias variant in the knowledge base,
    and for every variant of a blocked phrase (kind BLOCK, no concept)."""
    rows = [("", BLOCK, rule.alias, variant) for rule in kb.alias_rules if rule.rule == BLOCK for variant in alias_variants(rule.alias)]
    for concept in kb:
        for alias in (concept.name, *concept.synonyms):
            rows.extend((concept.id, SYNONYM, alias, variant) for variant in alias_variants(alias))
        for short in concept.abbreviations:
            variants = alias_variants(short)
            if short[-1].isupper():
                variants.append(short + "s")  # MORs, VTAs
            if any(letter in GREEK for letter in short):  # α4β2 is also written alpha4beta2, κOR kappaOR
                variants.extend(spelled for spelled in (greek_spelled_out(v) for v in list(variants)) if spelled not in variants)
            if sentence_initial(short):
                variants.append(short[0].upper() + short[1:])  # "Nor-BNI blocked...": matched at a sentence start only
            rows.extend((concept.id, ABBREVIATION, short, variant) for variant in variants)
    return rows


def tokenize_patterns(kb: KnowledgeBase, tokenizer: Tokenizer) -> list[Pattern]:
    """Tokenize every alias variant with the pipeline's tokenizer.

    The variants bypass the tokenizer's cache: spaCy caches at most max_cache_size
    chunks and then stops, and tens of thousands of alias chunks would fill it before
    the first document (measured: a warm pass over WhiteText abstracts then tokenized
    4x slower).
    """
    rows = alias_texts(kb)
    cache_size, tokenizer.max_cache_size = tokenizer.max_cache_size, 0
    try:
        docs = list(tokenizer.pipe(variant for *_, variant in rows))
    finally:
        tokenizer.max_cache_size = cache_size
    return [
        Pattern(concept_id, kind, alias, tuple(token.text for token in doc), tuple(token.norm_ for token in doc))
        for (concept_id, kind, alias, _), doc in zip(rows, docs)
    ]


@lru_cache(maxsize=None)
def _alias_key(alias: str) -> tuple[str, ...]:
    return tuple(normalize_word(word) for word in alias.replace("-", " ").split())


def _named_in_drug_role(pattern: Pattern, kb: KnowledgeBase, names: set[tuple[str, ...]]) -> bool:
    """Whether a DRUG synonym is a receptor or neurochemical name followed by role words ("KOR antagonist",
    "dual orexin receptor antagonist")."""
    key = pattern.norm_key
    if kb[pattern.concept_id].type != "DRUG" or pattern.kind != SYNONYM or key[-1] not in DRUG_ROLES:
        return False
    return any(key[start:cut] in names and all(word in DRUG_ROLES or word in ("inverse", "partial") for word in key[cut:])
               for cut in range(1, len(key)) for start in range(cut))


def _region_pathway(pattern: Pattern, kb: KnowledgeBase, regions: set[str]) -> bool:
    """Whether a NEURAL_SYSTEM synonym is two region names and a pathway word ("MHb-IPN pathway")."""
    words = [word for word in pattern.norm_key if word not in ("-", "to", "→")]
    return (kb[pattern.concept_id].type == "NEURAL_SYSTEM" and len(words) == 3 and words[2] in PATHWAY_HEADS
            and words[0] in regions and words[1] in regions)


def resolve_patterns(kb: KnowledgeBase, patterns: list[Pattern]) -> ResolvedPatterns:
    """Apply the alias rules and settle shared aliases (see the module docstring)."""
    rules = {(rule.rule, _alias_key(rule.alias)): rule for rule in kb.alias_rules}
    never = {(key, rule.concept_id) for (kind, key), rule in rules.items() if kind == "never"}
    role_names = {p.norm_key for p in patterns if p.kind != BLOCK and kb[p.concept_id].type in NAMED_IN_DRUG_ROLES}
    role_names.update((normalize_word(short),) for c in kb if c.type in NAMED_IN_DRUG_ROLES for short in c.abbreviations_if_defined)
    regions = {p.norm_key[0] for p in patterns if p.kind != BLOCK and len(p.norm_key) == 1 and kb[p.concept_id].type == "BRAIN_REGION"}
    regions.update(normalize_word(short) for c in kb if c.type == "BRAIN_REGION" for short in c.abbreviations_if_defined)

    def is_pruned(pattern: Pattern) -> bool:
        key = _alias_key(pattern.alias)
        return ((key, "") in never or (key, pattern.concept_id) in never or _named_in_drug_role(pattern, kb, role_names)
                or _region_pathway(pattern, kb, regions))

    def winner(alias: str, claims: list[str]) -> str:
        rule = rules.get(("prefer", _alias_key(alias)))
        if rule is not None and rule.concept_id in claims:
            return rule.concept_id
        collision = Collision(alias, tuple(claims), claims[0])
        if collision not in resolved.collisions:
            resolved.collisions.append(collision)
        return claims[0]

    resolved = ResolvedPatterns(blocks=[p for p in patterns if p.kind == BLOCK])
    kept = [p for p in patterns if p.kind != BLOCK and not is_pruned(p)]
    owners: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    first: dict[tuple[str, tuple[str, ...]], Pattern] = {}
    for pattern in kept:
        slot = (pattern.kind, pattern.key)
        claims = owners.setdefault(slot, [])
        if pattern.concept_id not in claims:
            claims.append(pattern.concept_id)
        first.setdefault(slot, pattern)
    owner = {slot: (claims[0] if len(claims) == 1 else winner(first[slot].alias, claims)) for slot, claims in owners.items()}
    # an abbreviation whose normal form is also a synonym of another concept: the synonym
    # matcher would match it too, so one of them gives way (a prefer rule decides).
    for (kind, key), concept_id in list(owner.items()):
        synonym_slot = (SYNONYM, tuple(normalize_word(w) for w in key))
        if kind == ABBREVIATION and owner.get(synonym_slot, concept_id) != concept_id:
            claims = [owner[synonym_slot], concept_id]
            keep = winner(first[(kind, key)].alias, claims)
            del owner[(kind, key) if keep != concept_id else synonym_slot]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for pattern in kept:
        slot = (pattern.kind, pattern.key)
        if owner.get(slot) == pattern.concept_id and slot not in seen:
            seen.add(slot)
            (resolved.synonyms if pattern.kind == SYNONYM else resolved.abbreviations).append(pattern)
    by_alias_key: dict[tuple[str, ...], list[Pattern]] = {}
    for pattern in kept:
        by_alias_key.setdefault(_alias_key(pattern.alias), []).append(pattern)
    for (kind, key), rule in rules.items():
        ruled = [p for p in by_alias_key.get(key, ()) if rule.concept_id in ("", p.concept_id)]
        if kind in ("context", "not_after"):
            words = frozenset(word if word in LABELS else normalize_word(word.lower()) for word in rule.context)
            for pattern in ruled:
                if kind == "context":
                    resolved.context[(pattern.kind, pattern.key)] = words
                else:
                    resolved.not_after[pattern.norm_key] = words
        elif kind == "noun_only":
            resolved.noun_only.update(p.norm_key for p in ruled)
    return resolved
