"""The one function that builds the spaCy pipeline; the CLI, tests and benchmarks all use it.

Building it tokenizes the knowledge base's tens of thousands of aliases (several
seconds), so build_nlp keeps each pipeline it builds in a per-user cache folder
(pipeline.resources.cache_dir()), written with
nlp.to_disk under a key that hashes everything the pipeline is made from (the knowledge
base's and extra files' contents, the NER model's files, the options, the source of the
annotate and kb packages, the versions), and loads it from there the next time.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Iterable

import spacy
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.attrs import NORM
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.vocab import Vocab

from pipeline import __version__
from pipeline.annotate import abbreviations, concept_matcher  # noqa: F401  (register "array_abbreviation_detector", "concept_matcher")
from pipeline.annotate import context, relations, resolution  # noqa: F401  (register "concept_context", "concept_relations", "concept_resolver")
from pipeline.annotate import sentences  # noqa: F401  (registers "pysbd_rule_sentencizer")
from pipeline.annotate.ner import DEFAULT_POLICY, NER_MODEL_DIR, NER_MODEL_EXCLUDE, ner_model_available  # registers "lexicon_spans", "entity_merger"
from pipeline.annotate.normalize import normalize_word
from pipeline.kb import DEFAULT_KB_DIR
from pipeline.resources import cache_dir


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
    "derived", "targeted", "binding", "receptive", "selective", "free", "lacking", "preferring", "primed",
    "neutralizing", "based", "medium",  # "D2-medium spiny neurons": the D2 receptor, then the cell type
)
MODIFIER_INFIX = r"(?<=[^\W_]|\))-(?=(?i:" + "|".join(MODIFIER_SUFFIXES) + r")(?:$|[^\w-]))"  # "-Induced" in titles too
# An abbreviation in parentheses glued to the word before it, "nucleus(STh)" (common in
# WhiteText and in some PubMed records), splits as "nucleus ( STh )"; chemical names such
# as "bis(2-chloroethyl)" or "(+)-MK-801" keep their parentheses.
# A short form in parentheses before a hyphen, "(VTA)-projecting", splits as "( VTA ) -
# projecting": the "(" as a prefix when the parentheses hold two letters or more
# (ABBREVIATION_PREFIX), the ")" before the hyphen unless a stereo or charge descriptor
# closes there ("(S)-ketamine", "(2R,6R)-HNK", "(+)-MK-801" stay whole).
GLUED_ABBREVIATION_INFIX = r"(?<=[a-z]{3})\((?=[a-z]*[A-Z][\w-]*$)|(?<=[^\W_])(?<!^\([^\W_])(?<!^\([^\W_]{2})(?<!,[^\W_])(?<!,[^\W_]{2})\)(?=-)"  # ")" ends a token as a suffix, or before a hyphen
ABBREVIATION_PREFIX = r"^\((?=[\w-]*[^\W\d_][\w-]*[^\W\d_][\w-]*\)-)"
# A slash between two names splits ("dynorphin/kappa", "D1/D2", "5-HT1A/1B"), so that each
# name can be matched; scispaCy's tokenizer keeps slashes inside tokens. A slash between two
# numbers stays ("1/2", "mg/kg" keeps letters on both sides and splits harmlessly), unless
# a name's number comes before it ("mGluR1/5", "CRF1/2": two subtypes).
SLASH_INFIX = r"(?<=[^\W\d_])/(?=[^\W_])|(?<=[^\W_])/(?=[^\W\d_])|(?<=[^\W\d_]\d)/(?=\d)"
# The hanging hyphen of a coordination ("mu- and kappa-opioid receptors") splits off the word,
# and so does the "+" of a marked cell type ("CRF+ neurons") and a full stop after a short form
# that ends in a capital after a small letter ("the CeA.", "DiI."), which spaCy's suffix rules keep.
SPLIT_SUFFIXES = r"(?<=[^\W_])-$|(?<=[^\W_]{2})\+$|(?<=[a-z][A-Z])\.$"
# A hyphen before a capitalised name, or between a short form and a short form or a
# preposition, joins two names or a prefix and a name ("Intra-CeA", "CeA-vlPAG",
# "BLA-to-NAc", "N-methyl-D-aspartate"), and arrows join regions ("LH→VTA"):
# both split, so that each name can be matched (aliases are split the same way). A word
# in title case after the hyphen is no name ("Kappa-Opioid Receptor" in a title): it stays
# joined, as in running text.
CAPITAL_HYPHEN_INFIX = r"(?<=\bnon)-(?=[a-z])|(?<=[^\W\d_])[-–—](?=[A-Z](?![a-z]{2,}\b))|(?<=[A-Z\d])[–—](?=[A-Z])|(?<=[A-Z])-(?=[a-z]+[A-Z])|(?<=[A-Z])-(?=[a-z]{2,}-)|[→←↔]"


TOKENIZER = "neuroconcepts.scispacy_tokenizer.v1"
CACHED_PIPELINES = 8  # built pipelines kept in the cache (the most recently used)
_SOURCES = Path(__file__).resolve().parents[1]  # the package; its annotate/ and kb/ sources are in the cache key
# spaCy's tokenizer caches the tokens of each whitespace-separated chunk it has seen, up to
# max_cache_size chunks (default 10,000), then stops caching. Abstracts bring far more
# distinct chunks; 100,000 cached chunks take about 10 MB.
TOKENIZER_CACHE_SIZE = 100_000


@spacy.registry.tokenizers(TOKENIZER)
def create_scispacy_tokenizer() -> Callable[[Language], Tokenizer]:
    """The project's tokenizer, by name, so that a config (the trained NER's) reproduces it.

    scispaCy's combined_rule_tokenizer with hyphenated modifiers (MODIFIER_INFIX), glued
    abbreviations (GLUED_ABBREVIATION_INFIX, ABBREVIATION_PREFIX), slashes between names (SLASH_INFIX),
    hyphens before capitalised names and arrows (CAPITAL_HYPHEN_INFIX), hanging hyphens and
    full stops after short forms (SPLIT_SUFFIXES) split off; it also installs the normalised NORMs on the
    vocabulary.
    """
    def make_tokenizer(nlp: Language) -> Tokenizer:
        # combined_rule_tokenizer copies token_match from nlp.tokenizer, which is not built yet
        nlp.tokenizer = Tokenizer(nlp.vocab, token_match=nlp.Defaults.token_match)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # scispaCy's tokenizer regexes
            tokenizer = combined_rule_tokenizer(nlp)
            infixes = tokenizer.infix_finditer.__self__.pattern
            tokenizer.infix_finditer = re.compile(f"{MODIFIER_INFIX}|{GLUED_ABBREVIATION_INFIX}|{SLASH_INFIX}|{CAPITAL_HYPHEN_INFIX}|{infixes}").finditer
            suffixes = tokenizer.suffix_search.__self__.pattern
            tokenizer.suffix_search = re.compile(f"{SPLIT_SUFFIXES}|{suffixes}").search
            prefixes = tokenizer.prefix_search.__self__.pattern
            tokenizer.prefix_search = re.compile(f"{ABBREVIATION_PREFIX}|{prefixes}").search
        tokenizer.max_cache_size = TOKENIZER_CACHE_SIZE
        install_norms(nlp.vocab)
        return tokenizer

    return make_tokenizer


def install_norms(vocab: Vocab) -> None:
    """Make every token's NORM its normalised spelling (normalize_word), old and new words alike."""
    vocab.lex_attr_getters[NORM] = normalize_word
    for lexeme in vocab:
        lexeme.norm_ = normalize_word(lexeme.orth_)


def build_tokenizer() -> Tokenizer:
    """The pipeline's tokenizer alone (with the normalised NORMs), for tokenizing aliases."""
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}}).tokenizer


def build_nlp(
    kb_dir: str | Path | None = None, kb_extra: Iterable[str | Path] = (), ner: bool | None = None, merge_policy: str = DEFAULT_POLICY,
    cache: bool = True,
) -> Language:
    """The neuroconcepts pipeline: scispaCy tokenizer, sentences, abbreviations, NER, concepts.

    With `cache` (the default), loaded from the cache folder when it was built before from
    the same files and options, else built and saved there (see the module doc).

    - scispaCy's combined_rule_tokenizer on a blank English pipeline, with hyphenated
      modifiers split off ("naloxone-precipitated" -> naloxone, -, precipitated);
    - pysbd_rule_sentencizer (sentences.py): the sentence boundaries of scispaCy's
      pysbd_sentencizer, from pysbd's own rules at a small fraction of its cost;
    - scispaCy's AbbreviationDetector, its Matchers replaced by searches of the ORTH
      array: the same abbreviations, faster, flat memory (array_abbreviation_detector,
      abbreviations.py);
    - the concept_matcher over the knowledge base in models/kb (or `kb_dir`) plus the
      user's extra files;
    - with `ner` (default: when models/ner holds a trained model), lexicon_spans, the
      trained NER (spaCy's `ner`, from models/ner) and the entity_merger, which merges
      NER spans and concepts by `merge_policy` (pipeline/annotate/ner.py);
    - last, on the final entities: concept_resolver (a generic mention such as
      "withdrawal" takes the concept its document means, pipeline/annotate/resolution.py),
      concept_context (negated and hedged mentions, pipeline/annotate/context.py) and
      concept_relations (directed relations stated between two concepts,
      pipeline/annotate/relations.py).
    """
    kb_dir, kb_extra = str(kb_dir) if kb_dir else None, [str(p) for p in kb_extra]
    ner = ner if ner is not None else ner_model_available()
    if not cache:
        return _build(kb_dir, kb_extra, ner, merge_policy)
    folder = cache_dir() / "pipelines" / pipeline_key(kb_dir, kb_extra, ner, merge_policy)
    nlp = _load_cached(folder)
    if nlp is None:
        nlp = _build(kb_dir, kb_extra, ner, merge_policy)
        _save_cached(nlp, folder)
    return nlp


def _build(kb_dir: str | None, kb_extra: list[str], ner: bool, merge_policy: str) -> Language:
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe("pysbd_rule_sentencizer")
    nlp.add_pipe("array_abbreviation_detector", name="abbreviation_detector")
    nlp.add_pipe("concept_matcher", config={"kb_dir": kb_dir, "kb_extra": kb_extra})
    if ner:
        nlp.add_pipe("lexicon_spans")
        nlp.add_pipe("ner", source=spacy.load(NER_MODEL_DIR, exclude=NER_MODEL_EXCLUDE))
        nlp.add_pipe("entity_merger", config={"policy": merge_policy, "ner_labels": list(nlp.get_pipe("ner").labels)})
    nlp.add_pipe("concept_resolver")
    nlp.add_pipe("concept_context")
    nlp.add_pipe("concept_relations")
    return nlp


def pipeline_key(kb_dir: str | None, kb_extra: list[str], ner: bool, merge_policy: str) -> str:
    """A digest of everything build_nlp's pipeline is made from: the versions, the options,
    the bytes of the knowledge base's files, the extra files and the NER model, and the
    source of the annotate and kb packages (a changed rule is a changed pipeline)."""
    digest = hashlib.sha256()
    options = [__version__, spacy.__version__, version("scispacy"), kb_dir, *kb_extra, ner, merge_policy if ner else ""]
    digest.update(repr(options).encode("utf-8"))
    folders = [(Path(kb_dir or DEFAULT_KB_DIR), "*"), (_SOURCES / "annotate", "*.py"), (_SOURCES / "kb", "*.py")]
    if ner:
        folders.append((NER_MODEL_DIR, "*"))
    files = [path for folder, pattern in folders for path in sorted(folder.rglob(pattern)) if path.is_file()]
    for path in [*files, *map(Path, kb_extra)]:
        digest.update(f"\0{path}\0".encode("utf-8", "surrogateescape"))
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _load_cached(folder: Path) -> Language | None:
    """The pipeline saved in `folder`, or None when there is none (or it cannot be loaded: then it is removed)."""
    if not (folder / "config.cfg").is_file():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # scispaCy's tokenizer regexes, compiled again
            nlp = spacy.load(folder)
        os.utime(folder)  # recently used: kept when the cache is pruned
        return nlp
    except Exception:  # a cache written by another version, damaged: build again
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _save_cached(nlp: Language, folder: Path) -> None:
    """Save the pipeline into `folder` atomically (a temporary folder, renamed), then keep only the
    CACHED_PIPELINES most recently used; a cache that cannot be written is passed over."""
    temporary = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        nlp.to_disk(temporary)
        os.rename(temporary, folder)  # fails when another process saved it first: theirs is the same
        temporary = None
        cached = sorted((p for p in folder.parent.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in cached[CACHED_PIPELINES:]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
