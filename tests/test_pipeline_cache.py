"""The concept matcher's state serialises (to_bytes, to_disk), and build_nlp caches the
pipeline it builds: a pipeline loaded from the cache, from disk or from bytes finds
exactly what the freshly built one finds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import spacy
from spacy.matcher import PhraseMatcher
from spacy.util import load_model_from_config

from pipeline.annotate.concept_matcher import BLOCKED
from pipeline.annotate.nlp import TOKENIZER, build_nlp, pipeline_key
from pipeline.resources import CACHE_VARIABLE, cache_dir
from pipeline.annotate.patterns import alias_texts
from pipeline.workflow import extract

REPO = Path(__file__).parent.parent
DEMO = REPO / "corpora" / "demo"
SMALL_KB = REPO / "tests" / "data" / "kb"


def demo_texts() -> list[str]:
    rows = [json.loads(line) for line in (DEMO / "abstracts.jsonl").read_text(encoding="utf-8").splitlines()]
    return [f"{row['title']} {row['abstract']}" for row in rows]


def test_the_concept_matcher_carries_its_knowledge_base_and_patterns(nlp):
    matcher = nlp.get_pipe("concept_matcher")
    fresh = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    fresh.add_pipe("array_abbreviation_detector", name="abbreviation_detector")
    copy = fresh.add_pipe("concept_matcher", config={"kb_dir": "/nonexistent"})  # never read: the state brings the kb
    copy.from_bytes(matcher.to_bytes())
    assert copy.kb == matcher.kb and len(copy.kb) > 5_000
    assert copy.patterns == matcher.patterns and len(copy.patterns.synonyms) > 50_000


def test_a_pipeline_loaded_from_disk_or_bytes_gives_the_same_bytes(tmp_path):
    """The demo corpus through a pipeline built from the knowledge-base files, the same
    pipeline saved with nlp.to_disk and loaded with spacy.load, and loaded from
    nlp.to_bytes as a worker loads it: byte-identical mentions and counts."""
    built = build_nlp(ner=False, cache=False)
    extract([DEMO], tmp_path / "built", built)
    built.to_disk(tmp_path / "saved")
    loaded = spacy.load(tmp_path / "saved")
    extract([DEMO], tmp_path / "loaded", loaded)
    from_bytes = load_model_from_config(built.config, auto_fill=False).from_bytes(built.to_bytes())
    extract([DEMO], tmp_path / "from_bytes", from_bytes)
    for name in ("mentions.parquet", "mentions.csv", "documents.parquet", "cooccurrence_pairs.parquet"):
        expected = (tmp_path / "built" / name).read_bytes()
        assert (tmp_path / "loaded" / name).read_bytes() == expected, name
        assert (tmp_path / "from_bytes" / name).read_bytes() == expected, name


def test_matcher_filled_from_keys_matches_as_tokenized_patterns_did(nlp):
    """The PhraseMatchers are filled from each pattern's key (hashes of its NORMs or ORTHs);
    before, from the tokenized alias Docs: the same matches on the demo corpus."""
    matcher = nlp.get_pipe("concept_matcher")
    matcher._compile()
    rows = {(concept_id, kind, alias, variant) for concept_id, kind, alias, variant in alias_texts(matcher.kb)}
    by_alias = {}
    for concept_id, kind, alias, variant in sorted(rows):
        by_alias.setdefault((concept_id, kind, alias), []).append(variant)
    tokenizer = nlp.tokenizer
    old = {"synonym": PhraseMatcher(nlp.vocab, attr="NORM"), "abbreviation": PhraseMatcher(nlp.vocab, attr="ORTH")}
    for kind, patterns in (("synonym", matcher.patterns.synonyms), ("abbreviation", matcher.patterns.abbreviations)):
        for pattern in patterns:
            docs = [doc for doc in tokenizer.pipe(by_alias[(pattern.concept_id, kind, pattern.alias)])
                    if tuple(t.text for t in doc) == pattern.words]
            old[kind].add(pattern.concept_id, docs)
    old["synonym"].add(BLOCKED, [doc for p in matcher.patterns.blocks for doc in [tokenizer(" ".join(p.words))] if tuple(t.norm_ for t in doc) == p.norm_key])
    for text in demo_texts():
        doc = nlp.make_doc(text)
        assert sorted(matcher.synonyms(doc)) == sorted(old["synonym"](doc))
        assert sorted(matcher.abbreviations(doc)) == sorted(old["abbreviation"](doc))


def test_build_nlp_loads_what_it_cached_and_rebuilds_when_a_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    kb_dir = tmp_path / "kb"
    shutil.copytree(SMALL_KB, kb_dir)
    key = pipeline_key(str(kb_dir), [], False, "ner_decides")
    first = build_nlp(kb_dir, ner=False)
    assert (cache_dir() / "pipelines" / key / "concept_matcher").is_dir()
    again = build_nlp(kb_dir, ner=False)
    assert again is not first and again.config.to_str() == first.config.to_str()
    text = "Morphine withdrawal activated the ventral tegmental area (VTA) and the VTA."
    assert [(e.text, e.kb_id_) for e in again(text).ents] == [(e.text, e.kb_id_) for e in first(text).ents]

    concepts = next((kb_dir / "concepts").glob("*.tsv"))
    concepts.write_text(concepts.read_text(encoding="utf-8") + "NC:test\tSYMPTOM\tfrobnication" + "\t" * 8 + "\n", encoding="utf-8")
    assert pipeline_key(str(kb_dir), [], False, "ner_decides") != key
    changed = build_nlp(kb_dir, ner=False)
    assert [e.kb_id_ for e in changed("Frobnication after the VTA.").ents] == ["NC:test", first("VTA.").ents[0].kb_id_]


def test_a_damaged_cache_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    build_nlp(SMALL_KB, ner=False)
    [folder] = (cache_dir() / "pipelines").iterdir()
    (folder / "concept_matcher" / "state.msgpack").write_bytes(b"not msgpack")
    nlp = build_nlp(SMALL_KB, ner=False)
    assert [e.label_ for e in nlp("Morphine in the VTA.").ents] == ["DRUG", "BRAIN_REGION"]
    assert (folder / "concept_matcher" / "state.msgpack").read_bytes() != b"not msgpack"
