"""The benchmark (`neuroconcepts bench`, `make bench`): throughput per core, agreement with
scispaCy's stock rule stack, memory as the corpus grows, scaling to two workers and Dask
(`scaling`, alone with `--only scaling`), graph assembly and GraphML export; and the
generated corpora of the graph measurements and of scripts/pubmed_plan.py
(`generated_mentions`, `count_generated`).

Throughput is measured in this one process, on the same documents, side by side:

- tokenizer: a blank English pipeline with scispaCy's tokenizer (the ceiling);
- stock: scispaCy's stock rule stack, tokenizer + pysbd_sentencizer + abbreviation_detector
  (the peer baseline);
- lexicon: the project's pipeline without the NER (build_nlp(ner=False)), through
  annotate() as extract runs it;
- ner: the same with the trained NER, when models/ner holds one.

Each pipeline does a first (cold) pass, then the passes are repeated in turns and the
fastest warm pass counts, so load from other processes on the machine skews them alike.
Peak RSS and the memory and graph measurements come from fresh child processes, one
at a time, since a process's peak memory only ever grows.

The documents are the WhiteText train abstracts when the reference corpora are there,
else the demo corpus repeated. Results go to reports/bench.md and reports/bench.json;
where a throughput target is missed, a cProfile of that pipeline goes beside them
(reports/profile_<mode>.txt).
"""

from __future__ import annotations

import cProfile
import io
import json
import multiprocessing
import os
import platform
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import spacy
from scispacy.custom_sentence_segmenter import pysbd_sentencizer  # noqa: F401  (registers "pysbd_sentencizer")
from scispacy.custom_tokenizer import combined_rule_tokenizer

from pipeline.annotate.document import annotate, make_doc
from pipeline.annotate.ner import ner_model_available
from pipeline.annotate.nlp import build_nlp
from pipeline.count.counts import MAX_DOC_IDS
from pipeline.count.merge import merge_counts
from pipeline.count.store import PAIRS_FILE, write_count_tables
from pipeline.evaluate.evaluation import DEFAULT_SHARED
from pipeline.evaluate.whitetext import read_whitetext
from pipeline.export.graphml import write_graphml
from pipeline.files import outdir
from pipeline.files.atomic import atomic_open
from pipeline.kb import LABELS
from pipeline.read import Record
from pipeline.scale.partition import PARTITION_SIZE, PARTS_DIR
from pipeline.workflow import COUNT_FILES, graph

DEMO = Path(__file__).resolve().parent.parent / "corpora" / "demo" / "abstracts.jsonl"
MODES = ("tokenizer", "stock", "lexicon", "ner")
SAME_TOKENS = "stock components, our tokenizer"  # the agreement the targets are checked on
GRAPH_MIN_COUNTS = (1, 3)  # the graphs built from the generated counts (graph_assembly)

# The targets of issue 5, per core.
TARGETS = {
    "lexicon_vs_tokenizer": 0.5,    # lexicon mode at least half the tokenizer-only rate
    "lexicon_vs_stock": 10.0,       # and ten times scispaCy's stock rule stack
    "agreement": 0.99,              # sentence boundaries and abbreviation pairs shared with the stock stack
    "ner_docs_per_second": 150.0,
    "memory_ratio": 1.2,            # peak RSS for the large corpus / for the small one
    "graphml_seconds": 10.0,        # GraphML export of the large graph
    "workers_2_vs_best": 0.56,      # issue 16: 2 workers take at most 0.56 of the best one-process time
    "many_partitions_vs_one": 1.05, # and 7 partitions in one process at most 5% more than one
}


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is; QUICK keeps the whole bench to seconds (for tests)."""

    documents: int = 0          # throughput documents (0: the whole bench corpus)
    rounds: int = 2             # warm passes per pipeline
    memory_small: int = 10_000  # documents of the two memory runs
    memory_large: int = 100_000
    graph_documents: int = 100_000
    export_nodes: int = 10_000
    export_edges: int = 200_000
    scaling_documents: int = 17_000


FULL = Sizes()
QUICK = Sizes(documents=60, rounds=1, memory_small=100, memory_large=300, graph_documents=2_000,
              export_nodes=300, export_edges=3_000, scaling_documents=120)


def bench_corpus(shared: Path = DEFAULT_SHARED) -> tuple[str, list[Record]]:
    """The WhiteText train abstracts, or (without ../shared) the demo abstracts repeated to 1,100."""
    whitetext = Path(shared) / "whitetext" / "train.xml"
    if whitetext.is_file():
        return "WhiteText train abstracts (../shared/corpora/whitetext/train.xml)", [d.record for d in read_whitetext(whitetext)]
    rows = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    records = [Record(f"{row['id']}-{n}", row["title"], row["abstract"], str(DEMO), "") for n in range(33) for row in rows]
    return "the demo abstracts (corpora/demo/abstracts.jsonl), repeated 33 times", records[:1_100]


def tokenizer_pipeline() -> spacy.language.Language:
    """A blank English pipeline with scispaCy's combined_rule_tokenizer, as scispaCy builds it."""
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scispaCy's tokenizer regexes
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    return nlp


def stock_pipeline() -> spacy.language.Language:
    """scispaCy's stock rule stack: its tokenizer, pysbd_sentencizer and abbreviation_detector."""
    nlp = tokenizer_pipeline()
    nlp.add_pipe("pysbd_sentencizer")
    nlp.add_pipe("abbreviation_detector")
    return nlp


def project_pipeline(mode: str) -> spacy.language.Language:
    return build_nlp(ner=mode == "ner")


def _runner(mode: str) -> Callable[[list[Record]], None]:
    """A function that runs one pass of `mode` over records, the pipeline built once."""
    if mode in ("tokenizer", "stock"):
        nlp = tokenizer_pipeline() if mode == "tokenizer" else stock_pipeline()
        return lambda records: _consume(nlp.pipe(r.text for r in records))
    nlp = project_pipeline(mode)
    return lambda records: _consume(annotate(records, nlp))


def _consume(items: Iterable) -> None:
    for _ in items:
        pass


def _peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM on Linux (ru_maxrss survives the
    exec of a spawned child, so it would report the parent's peak), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _in_child(function: Callable, *args):
    """Run function(*args) in a fresh process; its result and that process's peak RSS."""
    with ProcessPoolExecutor(1, multiprocessing.get_context("spawn")) as pool:  # not daemonic: it may start workers
        return pool.submit(_measured, function, *args).result()


def _measured(function: Callable, *args):
    result = function(*args)
    return result, _peak_rss_mb()


def throughput(records: list[Record], modes: list[str], rounds: int) -> dict:
    """Docs/s and words/s of each mode on the same records: cold pass, then the best warm pass."""
    words = sum(len(r.text.split()) for r in records)
    runners = {mode: _runner(mode) for mode in modes}
    cold, warm = {}, {mode: float("inf") for mode in modes}
    for mode, run in runners.items():
        cold[mode] = _timed(run, records)
    for _ in range(rounds):
        for mode, run in runners.items():
            warm[mode] = min(warm[mode], _timed(run, records))
    return {
        mode: {
            "docs_per_second": round(len(records) / warm[mode], 1),
            "words_per_second": round(words / warm[mode]),
            "cold_docs_per_second": round(len(records) / cold[mode], 1),
            "peak_rss_mb": _in_child(_one_pass, mode, records)[1],
        }
        for mode in modes
    }


def component_times(records: list[Record], mode: str) -> dict[str, float]:
    """Milliseconds per document of each step of the project's pipeline in `mode`, warm: the
    tokenizer (make_doc), each component in turn over all documents, and the rest of
    annotate() (mentions, species and relations as rows). Wall clock, unlike the profile,
    where cProfile inflates every call into spaCy's Cython code."""
    nlp = project_pipeline(mode)
    _consume(annotate(records, nlp))
    total = _timed(lambda rs: _consume(annotate(rs, nlp)), records)
    seconds = {}
    start = time.perf_counter()
    docs = [make_doc(nlp, record) for record in records]
    seconds["tokenizer"] = time.perf_counter() - start
    for name, component in nlp.pipeline:
        start = time.perf_counter()
        docs = list(component.pipe(docs)) if hasattr(component, "pipe") else [component(doc) for doc in docs]
        seconds[name] = time.perf_counter() - start
    seconds["rest of annotate()"] = max(total - sum(seconds.values()), 0.0)
    return {name: round(1000 * value / len(records), 3) for name, value in seconds.items()}


def _timed(run: Callable[[list[Record]], None], records: list[Record]) -> float:
    start = time.perf_counter()
    run(records)
    return time.perf_counter() - start


def _one_pass(mode: str, records: list[Record]) -> None:
    _runner(mode)(records)


def agreement(records: list[Record]) -> dict:
    """Sentence starts and abbreviation definitions of the lexicon pipeline against scispaCy's
    stock stack: as it comes (scispaCy's own tokenizer), and its two components on the
    project's tokenizer, which isolates them from the tokenizer's changes (glued
    "nucleus(STh)" split). Agreement = found by both / found by either."""
    ours = build_nlp(ner=False)
    same_tokens = build_nlp(ner=False)
    same_tokens.remove_pipe("pysbd_rule_sentencizer")
    same_tokens.add_pipe("pysbd_sentencizer", first=True)
    keep = ["pysbd_sentencizer", "abbreviation_detector"]
    stock_runs = {
        "stock stack": stock_pipeline().pipe(r.text for r in records),
        SAME_TOKENS: same_tokens.pipe(
            (same_tokens.make_doc(r.text) for r in records), disable=[p for p in same_tokens.pipe_names if p not in keep]),
    }
    texts = {r.doc_id: r.text for r in records}
    mine = _boundaries_and_pairs(records, ours.pipe(make_doc(ours, r) for r in records))
    result = {}
    for name, docs in stock_runs.items():
        theirs = _boundaries_and_pairs(records, docs)
        result[name] = {kind: _compare(mine[kind], theirs[kind], texts) for kind in mine}
    return result


def _boundaries_and_pairs(records: list[Record], docs: Iterable) -> dict[str, set]:
    found: dict[str, set] = {"sentences": set(), "abbreviations": set()}
    for record, doc in zip(records, docs):
        found["sentences"] |= {(record.doc_id, s.start_char) for s in doc.sents if s.start_char > 0}
        found["abbreviations"] |= {
            (record.doc_id, a.text, a._.long_form.start_char, a._.long_form.end_char) for a in doc._.abbreviations
        }
    return found


def _compare(ours: set, theirs: set, texts: dict[str, str], examples: int = 12) -> dict:
    both, either = ours & theirs, ours | theirs
    return {
        "ours": len(ours), "stock": len(theirs), "both": len(both),
        "agreement": round(len(both) / len(either), 4) if either else 1.0,
        "only_ours": [_context(texts, item) for item in sorted(ours - theirs)[:examples]],
        "only_stock": [_context(texts, item) for item in sorted(theirs - ours)[:examples]],
    }


def _context(texts: dict[str, str], item: tuple) -> str:
    """A boundary or pair shown in its text: "...end of one. | Start of the next..."."""
    doc_id, start = item[0], item[1]
    text = texts[doc_id]
    if len(item) == 2:
        return f"{doc_id}: …{text[max(0, start - 40):start]}|{text[start:start + 40]}…".replace("\n", " ")
    return f"{doc_id}: {item[1]} = {text[item[2]:item[3]]}"


def generated_corpus(records: list[Record], n: int, path: Path, seed: int = 5) -> Path:
    """A JSONL corpus of n documents made of the bench corpus' sentences, shuffled (ids g1..gn)."""
    sentences = [s.strip() + "." for r in records for s in r.abstract.split(". ") if len(s.split()) > 3]
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(1, n + 1):
            title, *abstract = rng.sample(sentences, rng.randint(5, 11))
            handle.write(json.dumps({"id": f"g{number}", "title": title, "abstract": " ".join(abstract)}) + "\n")
    return path


def _extract(corpus: Path, workers: int, partition_size: int = PARTITION_SIZE) -> float:
    from pipeline.workflow import extract

    nlp = build_nlp(ner=False)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        extract([corpus], out, nlp, workers=workers, partition_size=partition_size)
        return round(time.perf_counter() - start, 2)


def memory(records: list[Record], small: int, large: int) -> dict:
    """Peak RSS of extract (lexicon mode, one process) on generated corpora of two sizes."""
    result = {}
    with tempfile.TemporaryDirectory() as folder:
        for n in (small, large):
            corpus = generated_corpus(records, n, Path(folder) / f"corpus_{n}.jsonl")
            seconds, rss = _in_child(_extract, corpus, 1)
            result[str(n)] = {"documents": n, "seconds": seconds, "docs_per_second": round(n / seconds, 1), "peak_rss_mb": rss}
    result["ratio"] = round(result[str(large)]["peak_rss_mb"] / result[str(small)]["peak_rss_mb"], 3)
    return result


def repeated_corpus(records: list[Record], n: int, path: Path) -> Path:
    """One JSONL file of the records repeated until there are at least n (copy k's ids end in -k)."""
    copies = -(-n // len(records))
    with open(path, "w", encoding="utf-8") as handle:
        for copy in range(copies):
            for r in records:
                row = {"id": f"{r.doc_id}-{copy}", "title": r.title, "abstract": r.abstract, "year": r.year, "journal": r.journal}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


SCALING_RUNS = (  # (name, extract options for n documents): one process, one partition first
    ("1 worker, 1 partition", lambda n: ["--workers", "1", "--partition-size", str(n)]),
    ("1 worker, default plan", lambda n: ["--workers", "1"]),
    ("1 worker, 7 partitions", lambda n: ["--workers", "1", "--partition-size", str(-(-n // 7))]),
    ("2 workers, default plan", lambda n: ["--workers", "2"]),
    ("dask, 2-worker LocalCluster", lambda n: ["--engine", "dask", "--workers", "2"]),
)
SCALING_OUTPUTS = ("documents.parquet", "mentions.parquet", "mentions.csv", "rejects.jsonl", "summary.json", *COUNT_FILES)


def _timed_extract(corpus: Path, out: Path, options: list[str]) -> dict:
    """`neuroconcepts extract CORPUS --no-ner -q OPTIONS` in a fresh process: wall seconds, load average before."""
    load = [round(x, 2) for x in os.getloadavg()]
    command = [sys.executable, "-m", "pipeline", "extract", str(corpus), "--out", str(out), "--no-ner", "-q", "--keep-parts", *options]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    seconds = round(time.perf_counter() - start, 2)
    partitions = len(list((out / PARTS_DIR).iterdir()))
    shutil.rmtree(out / PARTS_DIR)
    return {"seconds": seconds, "partitions": partitions, "load_before": load}


def scaling(records: list[Record], n: int) -> dict:
    """Wall time of `extract` (lexicon mode, fresh processes) on the bench corpus repeated to n
    documents in one JSONL file: SCALING_RUNS, each checked byte for byte against the first."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        corpus = repeated_corpus(records, n, folder / "corpus.jsonl")
        build_nlp(ner=False)  # cached, so that no run pays for building it
        documents = sum(1 for _ in open(corpus, "rb"))
        runs, identical = {}, True
        for number, (name, options) in enumerate(SCALING_RUNS):
            out = folder / f"out{number}"
            runs[name] = _timed_extract(corpus, out, options(documents)) | {"options": " ".join(options(documents))}
            identical &= all((out / f).read_bytes() == (folder / "out0" / f).read_bytes() for f in SCALING_OUTPUTS)
    best = min(r["seconds"] for name, r in runs.items() if name.startswith("1 worker"))
    one = runs["1 worker, 1 partition"]["seconds"]
    return {
        "documents": documents, "runs": runs, "identical_outputs": identical, "best_single_seconds": best,
        "workers_2_vs_best": round(runs["2 workers, default plan"]["seconds"] / best, 3),
        "dask_vs_best": round(runs["dask, 2-worker LocalCluster"]["seconds"] / best, 3),
        "many_partitions_vs_one": round(runs["1 worker, 7 partitions"]["seconds"] / one, 3),
        "startup": _in_child(startup_times)[0],
    }


def startup_times() -> dict:
    """Seconds to get a working lexicon pipeline: built from the knowledge-base files (tokenizing
    every alias), loaded from the cache folder (spacy.load of what build_nlp saved), and loaded
    from bytes as a worker loads it; each until its first document is annotated."""
    from pipeline.scale.distribute import load_pipeline, serialize_pipeline

    def first_document(make: Callable[[], spacy.language.Language]) -> float:
        start = time.perf_counter()
        make()("The BNST mediates anxiety-like behavior.")
        return round(time.perf_counter() - start, 2)

    built = first_document(lambda: build_nlp(ner=False, cache=False))
    cached = first_document(lambda: build_nlp(ner=False))
    payload = serialize_pipeline(build_nlp(ner=False))
    from_bytes = first_document(lambda: load_pipeline("bench", payload))
    return {"built": built, "cached": cached, "from_bytes": from_bytes, "payload_mb": round(len(payload) / 1e6, 1)}


GENERATED_CONCEPTS = 5_000  # concepts of the generated corpora, Zipf-like: the k-th commonest named 1/k as often as the first
GENERATED_SPECIES = ((), ("rat",), ("mouse",), ("human",), ("rat", "mouse"))
GENERATED_NEGATED = 0.07  # the share of negated mentions (the demo corpus: 119 of 1,667)
GENERATED_CHUNK = 100_000  # generated documents counted at once (their doc-id lists stay under Arrow's 2 GB per array), then merged


def generated_mentions(first: int, n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Documents first+1..first+n of a generated annotated corpus, as arrays (numpy's generator,
    seeded by `seed` and `first`): per document its number, sentences (6 to 12), year and
    species (an index into GENERATED_SPECIES); per mention its document (0..n-1), sentence,
    concept (Zipf-like over GENERATED_CONCEPTS: the k-th commonest 1/k as often as the
    first; 4 to 16 mentions a document) and whether it is negated (GENERATED_NEGATED)."""
    rng = np.random.default_rng([seed, first])
    n_sentences = rng.integers(6, 13, n)
    doc = np.repeat(np.arange(n), rng.integers(4, 17, n))
    cumulative = np.cumsum(1 / np.arange(1, GENERATED_CONCEPTS + 1))
    concept = np.minimum(np.searchsorted(cumulative / cumulative[-1], rng.random(len(doc)), side="right"), GENERATED_CONCEPTS - 1)
    return {
        "number": np.arange(first + 1, first + n + 1), "n_sentences": n_sentences, "year": rng.integers(1975, 2025, n),
        "species": rng.integers(0, len(GENERATED_SPECIES), n), "doc": doc, "concept": concept,
        "sent": (rng.random(len(doc)) * n_sentences[doc]).astype(np.int64), "negated": rng.random(len(doc)) < GENERATED_NEGATED,
    }


def _concept(c: int) -> tuple[str, str, str]:
    """(id, name, type) of generated concept number c."""
    return f"C:{c:06d}", f"concept {c}", LABELS[c % len(LABELS)]


def _evidence(number: int, sent: int) -> str:
    return f"Sentence {sent} of document {number} names some concepts."


def generated_documents(first: int, n: int, seed: int = 7) -> Iterator[tuple]:
    """The documents of generated_mentions as the arguments of CooccurrenceCounts.add_mentions."""
    g = generated_mentions(first, n, seed)
    starts = np.searchsorted(g["doc"], np.arange(n + 1))
    for d in range(n):
        number = int(g["number"][d])
        mentions = [(int(s), *_concept(int(c)), bool(neg)) for s, c, neg in
                    zip(*(g[key][starts[d]:starts[d + 1]] for key in ("sent", "concept", "negated")))]
        yield (str(number), int(g["n_sentences"][d]), mentions, partial(_evidence, number), int(g["year"][d]),
               GENERATED_SPECIES[g["species"][d]])


def _pairs_in_groups(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by group (each row a distinct member), the (left, right) row numbers of every
    pair of rows of one group, left < right, in row order."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    sizes = np.diff(np.r_[starts, len(groups)])
    rank = np.arange(len(groups)) - np.repeat(starts, sizes)
    following = np.repeat(sizes, sizes) - rank - 1
    left = np.repeat(np.arange(len(groups)), following)
    right = left + 1 + (np.arange(len(left)) - np.repeat(np.cumsum(following) - following, following))
    return left, right


def _generated_layer(g: dict[str, np.ndarray], keep: np.ndarray) -> tuple[pa.Table, pa.Table]:
    """The concept and pair rows of the generated mentions marked by `keep`, as
    CooccurrenceCounts counts them (without relations), vectorised."""
    C, S = GENERATED_CONCEPTS, 13
    doc, sent, concept = g["doc"][keep], g["sent"][keep], g["concept"][keep]
    tags = sorted({tag for species in GENERATED_SPECIES for tag in species})
    has_tag = np.array([[tag in species for tag in tags] for species in GENERATED_SPECIES])  # species index x tag
    numbers = pa.array(g["number"]).cast(pa.string())  # document ids (numpy's strings take 84 bytes each)
    triples = np.unique((doc * S + sent) * C + concept)  # (document, sentence, concept), sorted
    t_window, t_concept = triples // C, triples % C
    pairs_dc = np.unique(doc * C + concept)  # (document, concept)
    d_doc, d_concept = pairs_dc // C, pairs_dc % C

    def group_sizes(groups: np.ndarray) -> np.ndarray:
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        sizes = np.diff(np.r_[starts, len(groups)])
        return np.repeat(sizes, sizes)

    present = np.flatnonzero(np.bincount(concept, minlength=C))
    concept_species = [np.bincount(d_concept, weights=has_tag[g["species"][d_doc], t], minlength=C).astype(np.int64) for t in range(len(tags))]
    concept_tags = [[tags[t] for t in range(len(tags)) if concept_species[t][c]] for c in present]
    concepts = pa.table({
        "concept_id": [_concept(c)[0] for c in present], "name": [_concept(c)[1] for c in present],
        "type": [_concept(c)[2] for c in present],
        "mentions": np.bincount(concept, minlength=C)[present], "sentences": np.bincount(t_concept, minlength=C)[present],
        "documents": np.bincount(d_concept, minlength=C)[present],
        "species_tags": concept_tags,
        "species_documents": [[int(concept_species[tags.index(tag)][c]) for tag in names] for c, names in zip(present, concept_tags)],
        "shared_sentences": np.bincount(t_concept, weights=group_sizes(t_window) - 1, minlength=C).astype(np.int64)[present],
        "shared_documents": np.bincount(d_concept, weights=group_sizes(d_doc) - 1, minlength=C).astype(np.int64)[present],
    })

    left, right = _pairs_in_groups(d_doc)  # pairs sharing a document, in document order
    key = d_concept[left] * C + d_concept[right]
    order = np.argsort(key, kind="stable")  # documents stay in order within a pair
    key, pair_doc = key[order], d_doc[left][order]
    keys, starts = np.unique(key, return_index=True)
    counts = np.diff(np.r_[starts, len(key)])
    rank = np.arange(len(key)) - np.repeat(starts, counts)
    first_ids = rank < MAX_DOC_IDS
    id_offsets = np.r_[0, np.cumsum(np.minimum(counts, MAX_DOC_IDS))].astype(np.int32)
    years = g["year"][pair_doc]
    species = g["species"][pair_doc]
    pair_species = [np.add.reduceat(has_tag[species, t].astype(np.int64), starts) for t in range(len(tags))]

    s_left, s_right = _pairs_in_groups(t_window)  # pairs sharing a sentence, in (document, sentence) order
    s_key = t_concept[s_left] * C + t_concept[s_right]
    s_order = np.argsort(s_key, kind="stable")
    s_key, s_window = s_key[s_order], t_window[s_left][s_order]
    s_keys, s_starts = np.unique(s_key, return_index=True)
    sentences = np.zeros(len(keys), dtype=np.int64)
    at = np.searchsorted(keys, s_keys)
    sentences[at] = np.diff(np.r_[s_starts, len(s_key)])
    evidence_doc = np.full(len(keys), -1)
    evidence_sent = np.full(len(keys), -1)
    evidence_doc[at], evidence_sent[at] = s_window[s_starts] // S, s_window[s_starts] % S
    ids = np.array([_concept(c)[0] for c in range(C)])
    species_counts = np.stack(pair_species, axis=1)  # pairs x tags
    found = species_counts > 0
    tag_offsets = pa.array(np.r_[0, np.cumsum(found.sum(axis=1))].astype(np.int32))

    def no_lists(value_type: pa.DataType) -> pa.ListArray:
        return pa.ListArray.from_arrays(pa.array(np.zeros(len(keys) + 1, dtype=np.int32)), pa.array([], value_type))

    with_evidence = evidence_doc >= 0
    evidence_text = np.full(len(keys), "", dtype=object)
    evidence_text[with_evidence] = [_evidence(g["number"][d], s) for d, s in zip(evidence_doc[with_evidence], evidence_sent[with_evidence])]
    pairs = pa.table({
        "source": ids[keys // C], "target": ids[keys % C], "sentences": sentences, "documents": counts,
        "doc_ids": pa.ListArray.from_arrays(pa.array(id_offsets), numbers.take(pair_doc[first_ids])),
        "evidence_doc_id": pc.if_else(with_evidence, numbers.take(np.maximum(evidence_doc, 0)), ""), "evidence_sent_id": evidence_sent,
        "evidence": pa.array(evidence_text, pa.string()),
        "first_year": np.minimum.reduceat(years, starts).astype(np.int32), "last_year": np.maximum.reduceat(years, starts).astype(np.int32),
        "species_tags": pa.ListArray.from_arrays(tag_offsets, pa.array(np.array(tags)[np.nonzero(found)[1]])),
        "species_documents": pa.ListArray.from_arrays(tag_offsets, pa.array(species_counts[found])),
        "relation_keys": no_lists(pa.string()), "relation_counts": no_lists(pa.int64()),
        "relation_evidence_doc_ids": no_lists(pa.string()), "relation_evidence_sent_ids": no_lists(pa.int64()),
        "relation_evidence": no_lists(pa.string()),
    })
    return concepts, pairs


def count_generated(first: int, n: int, directory: Path, seed: int = 7) -> int:
    """Count generated documents first+1..first+n (generated_mentions), vectorised, and write the
    counts to `directory` as extract writes a partition's (the same bytes as counting
    generated_documents with CooccurrenceCounts, tested); the number of pairs."""
    g = generated_mentions(first, n, seed)
    layers = [_generated_layer(g, np.ones(len(g["doc"]), dtype=bool)), _generated_layer(g, ~g["negated"])]
    species = Counter(tag for s in g["species"] for tag in GENERATED_SPECIES[s])
    write_count_tables(layers, {"documents": n, "sentences": int(g["n_sentences"].sum()), "species": dict(species)}, directory)
    return layers[0][1].num_rows


def generated_counts(n_documents: int, directory: Path, workers: int = 1, seed: int = 7) -> dict:
    """The counts of n generated documents (generated_mentions), written to `directory` as
    extract writes them (a finished extract folder, as graph requires): counted in chunks of
    GENERATED_CHUNK documents (count_generated) on `workers` processes, then merged (merge_counts)."""
    directory = Path(directory)
    chunks = [(first, min(GENERATED_CHUNK, n_documents - first), directory / "chunks" / f"{first:012d}", seed)
              for first in range(0, n_documents, GENERATED_CHUNK)]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, multiprocessing.get_context("spawn")) as pool:
        list(pool.map(count_generated, *zip(*chunks)))
    counted = time.perf_counter() - start
    merge_counts([folder for _, _, folder, _ in chunks], directory, directory / "chunks")
    shutil.rmtree(directory / "chunks")
    outdir.finish(directory, "bench", COUNT_FILES)
    return {"documents": n_documents, "pairs": pq.ParquetFile(directory / PAIRS_FILE).metadata.num_rows,
            "count_seconds": round(counted, 2), "merge_seconds": round(time.perf_counter() - start - counted, 2)}


def _graph_from_counts(directory: Path, min_count: int) -> dict:
    """`neuroconcepts graph DIRECTORY --min-count N` (read the counts, build the graph with
    communities and centrality, write GraphML): seconds, nodes, edges, GraphML size."""
    out = directory.parent / f"graph-{min_count}.graphml"
    start = time.perf_counter()
    concept_graph = graph([directory], out, min_count=min_count)
    return {
        "min_count": min_count, "nodes": concept_graph.number_of_nodes(), "edges": concept_graph.number_of_edges(),
        "seconds": round(time.perf_counter() - start, 2), "graphml_mb": round(out.stat().st_size / 1e6, 1),
    }


def graph_assembly(n_documents: int) -> dict:
    """Counts of n generated documents written to disk, then the graph built from them at
    each of GRAPH_MIN_COUNTS, each step in a fresh process (time and peak RSS)."""
    with tempfile.TemporaryDirectory() as folder:
        counts = Path(folder) / "counts"
        result, rss = _in_child(generated_counts, n_documents, counts)
        result["count_peak_rss_mb"] = rss
        result["graphs"] = []
        for min_count in GRAPH_MIN_COUNTS:
            built, rss = _in_child(_graph_from_counts, counts, min_count)
            result["graphs"].append(built | {"peak_rss_mb": rss})
    return result


def _graphml_export(n_nodes: int, n_edges: int, seed: int = 11) -> dict:
    """Time write_graphml on a random graph with the attributes build_graph gives."""
    rng = random.Random(seed)
    graph = nx.Graph(window="sentence")
    for c in range(n_nodes):
        graph.add_node(f"C:{c:06d}", label=f"concept {c}", name=f"concept {c}", type=LABELS[c % len(LABELS)],
                       mentions=rng.randint(1, 9_999), documents=rng.randint(1, 999), xrefs="MESH:D000001;FMA:12345")
    nodes = list(graph)
    added = 0  # graph.number_of_edges() counts them all each time
    while added < n_edges:
        u, v = rng.sample(nodes, 2)
        if graph.has_edge(u, v):
            continue
        added += 1
        graph.add_edge(u, v, weight=float(rng.randint(1, 50)), sentences=rng.randint(1, 50), documents=rng.randint(1, 40),
                       npmi=round(rng.uniform(-1, 1), 6), pmids=";".join(str(rng.randint(1, 40_000_000)) for _ in range(rng.randint(1, 20))),
                       evidence="The basolateral amygdala projects to the nucleus accumbens in rats withdrawn from morphine.")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_graphml(graph, Path(folder) / "graph.graphml")
        seconds = time.perf_counter() - start
        size = (Path(folder) / "graph.graphml").stat().st_size
    return {"nodes": n_nodes, "edges": n_edges, "seconds": round(seconds, 2), "graphml_mb": round(size / 1e6, 1)}


def profile(mode: str, records: list[Record], path: Path, top: int = 45) -> None:
    """Write a cProfile of one warm pass of `mode` (functions by own time, then cumulative)."""
    run = _runner(mode)
    run(records)
    profiler = cProfile.Profile()
    profiler.enable()
    run(records)
    profiler.disable()
    out = io.StringIO()
    out.write(f"cProfile of one warm pass of the {mode} pipeline over {len(records)} documents (neuroconcepts bench)\n\n")
    for order in ("tottime", "cumulative"):
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
    with atomic_open(path) as handle:
        handle.write(out.getvalue())


def run_bench(out_dir: str | Path = "reports", shared: Path = DEFAULT_SHARED, sizes: Sizes = FULL,
              command: str = "neuroconcepts bench", log: Callable[[str], None] = lambda message: None,
              only: str | None = None) -> dict:
    """Run every measurement, write bench.md and bench.json (and profiles) to out_dir; the results.
    With `only` ("scaling", or "throughput" with the time of each step), take that
    measurement alone into the report out_dir holds."""
    out_dir = Path(out_dir)
    corpus, records = bench_corpus(shared)
    if sizes.documents:
        records = records[:sizes.documents]
    ner = ner_model_available()
    modes = [m for m in MODES if m != "ner" or ner]
    if only is not None:
        results = json.loads((out_dir / "bench.json").read_text(encoding="utf-8"))
        date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        if only == "scaling":
            _measure_scaling(results, records, sizes, command, date, log)
        else:
            results["machine"]["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
            _measure_throughput(results, records, modes, sizes, log)
            results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            results |= {"command": command, "date": date}
        results["checks"] = checks(results)
        write_report(results, out_dir)
        return results
    results: dict = {
        "command": command, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "spacy": spacy.__version__,
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]},
        "corpus": {"name": corpus, "documents": len(records), "words": sum(len(r.text.split()) for r in records)},
        "ner_model": "models/ner" if ner else None, "targets": TARGETS,
    }
    _measure_throughput(results, records, modes, sizes, log)
    log("agreement with the stock stack")
    results["agreement"] = agreement(records)
    log(f"memory: extract on {sizes.memory_small} and {sizes.memory_large} generated documents")
    results["memory"] = memory(records, sizes.memory_small, sizes.memory_large)
    _measure_scaling(results, records, sizes, command, results["date"], log)
    log(f"graph: {sizes.graph_documents} generated annotated documents; GraphML of {sizes.export_nodes} nodes, {sizes.export_edges} edges")
    results["graph_assembly"] = graph_assembly(sizes.graph_documents)
    export, rss = _in_child(_graphml_export, sizes.export_nodes, sizes.export_edges)
    results["graphml_export"] = export | {"peak_rss_mb": rss}
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["checks"] = checks(results)
    results["profiles"] = []
    for mode in ("lexicon", "ner"):
        failed = [name for name, check in results["checks"].items() if check["mode"] == mode and not check["met"]]
        if failed and mode in modes:
            path = out_dir / f"profile_{mode}.txt"
            log(f"profile of {mode} mode -> {path}")
            profile(mode, records, path)
            results["profiles"].append(str(path))
    write_report(results, out_dir)
    return results


def _measure_throughput(results: dict, records: list[Record], modes: list[str], sizes: Sizes, log: Callable[[str], None]) -> None:
    """Throughput per pipeline and the time of each step, into results."""
    log(f"throughput: {', '.join(modes)} on {len(records)} documents")
    results["throughput"] = throughput(records, modes, sizes.rounds)
    results["components"] = {mode: component_times(records, mode) for mode in modes if mode in ("lexicon", "ner")}


def _measure_scaling(results: dict, records: list[Record], sizes: Sizes, command: str, date: str, log: Callable[[str], None]) -> None:
    """The scaling runs, into results (with the command and date that took them)."""
    log(f"scaling: extract on the bench corpus repeated to {sizes.scaling_documents} documents, 1 and 2 workers, Dask")
    results["scaling"] = scaling(records, sizes.scaling_documents) | {"command": command, "date": date}


def checks(results: dict) -> dict:
    """Each target: the measured value, the target, and whether it is met."""
    rate = {mode: r["docs_per_second"] for mode, r in results["throughput"].items()}
    found = {
        "lexicon_vs_tokenizer": ("lexicon", rate["lexicon"] / rate["tokenizer"], ">="),
        "lexicon_vs_stock": ("lexicon", rate["lexicon"] / rate["stock"], ">="),
        "sentence_agreement": ("agreement", results["agreement"][SAME_TOKENS]["sentences"]["agreement"], ">="),
        "abbreviation_agreement": ("agreement", results["agreement"][SAME_TOKENS]["abbreviations"]["agreement"], ">="),
        "memory_ratio": ("memory", results["memory"]["ratio"], "<="),
        "graphml_seconds": ("graph", results["graphml_export"]["seconds"], "<"),
        "workers_2_vs_best": ("scaling", results["scaling"]["workers_2_vs_best"], "<="),
        "many_partitions_vs_one": ("scaling", results["scaling"]["many_partitions_vs_one"], "<="),
    }
    if "ner" in rate:
        found["ner_docs_per_second"] = ("ner", rate["ner"], ">=")
    out = {}
    for name, (mode, value, op) in found.items():
        target = TARGETS.get(name, TARGETS["agreement"])
        met = value >= target if op == ">=" else value <= target if op == "<=" else value < target
        out[name] = {"mode": mode, "value": round(value, 3), "target": f"{op} {target}", "met": met}
    return out


def render_markdown(results: dict) -> str:
    """bench.md: the command, the machine's load, and one table per measurement."""
    machine, corpus = results["machine"], results["corpus"]
    lines = [
        "# Benchmark", "",
        f"Produced by `{results['command']}` on {results['date']}: {machine['cpus']} cores, Python {machine['python']}, "
        f"spaCy {machine['spacy']}. Load average (1, 5, 15 min) before: {machine['load_average_before']}, "
        f"after: {machine['load_average_after']} (other work was running on the machine).", "",
        f"Documents: {corpus['documents']} {corpus['name']}, {corpus['words']:,} words. "
        + ("NER mode uses the trained model in models/ner." if results["ner_model"] else
           "NER mode is not measured: there is no trained model in models/ner (`make train`)."), "",
        "## Throughput, one process, one core", "",
        "Fastest warm pass of each pipeline over the same documents, passes taken in turns; "
        "cold = the first pass of a fresh pipeline (new words still entering the vocabulary). "
        "Peak RSS: a fresh process doing one pass.", "",
        "| pipeline | docs/s | words/s | cold docs/s | vs tokenizer | vs stock | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rate = results["throughput"]
    for mode, r in rate.items():
        lines.append(f"| {mode} | {r['docs_per_second']:,} | {r['words_per_second']:,} | {r['cold_docs_per_second']:,} | "
                     f"{r['docs_per_second'] / rate['tokenizer']['docs_per_second']:.2f} | "
                     f"{r['docs_per_second'] / rate['stock']['docs_per_second']:.1f}x | {r['peak_rss_mb']:,} |")
    lines += ["", "tokenizer: blank English + scispaCy's tokenizer; stock: + pysbd_sentencizer + abbreviation_detector "
              "(scispaCy's rule stack); lexicon: build_nlp(ner=False) through annotate(); ner: build_nlp(ner=True).", "",
              "## Where the time goes", "",
              "Milliseconds per document of each step, warm, wall clock (`component_times`): the tokenizer, each component "
              "over all the documents in turn, and the rest of annotate().", "",
              "| step | " + " | ".join(results["components"]) + " |", "|---|" + "---:|" * len(results["components"])]
    steps = list(dict.fromkeys(step for times in results["components"].values() for step in times))
    for step in steps:
        lines.append(f"| {step} | " + " | ".join(f"{times[step]:.2f}" if step in times else "" for times in results["components"].values()) + " |")
    lines.append("| total | " + " | ".join(f"{sum(times.values()):.2f}" for times in results["components"].values()) + " |")
    lines += ["", "## Targets", "", "| target | measured | wanted | met |", "|---|---:|---:|---|"]
    for name, check in results["checks"].items():
        lines.append(f"| {name} | {check['value']} | {check['target']} | {'yes' if check['met'] else '**no**'} |")
    if results["profiles"]:
        lines += ["", "Profiles of the pipelines that miss a target: " + ", ".join(f"`{Path(p).name}`" for p in results["profiles"]) + "."]
    lines += ["", "## Agreement with scispaCy's stock rule stack", "",
              "Sentence starts (character offsets, the first excluded) and abbreviation definitions (short form, long form "
              "offsets) of the lexicon pipeline, against the stock stack as it comes (scispaCy's tokenizer) and against its two "
              "components (pysbd_sentencizer, abbreviation_detector) on the project's tokenizer; the targets are checked on the "
              "second. Agreement = found by both / found by either.", "",
              "| against | kind | ours | stock | both | agreement |", "|---|---|---:|---:|---:|---:|"]
    for against, kinds in results["agreement"].items():
        for kind, a in kinds.items():
            lines.append(f"| {against} | {kind} | {a['ours']:,} | {a['stock']:,} | {a['both']:,} | {a['agreement']:.4f} |")
    for against, kinds in results["agreement"].items():
        for kind, a in kinds.items():
            for side in ("only_ours", "only_stock"):
                if a[side]:
                    lines += ["", f"{kind} against the {against}, {side.replace('_', ' ')} (first {len(a[side])}):", ""]
                    lines += [f"- `{example}`" for example in a[side]]
    memory, scale = results["memory"], results["scaling"]
    lines += ["", "## Memory as the corpus grows", "",
              "`extract` in lexicon mode, one process, on generated corpora (the bench corpus' sentences shuffled into new abstracts).", "",
              "| documents | seconds | docs/s | peak RSS MB |", "|---:|---:|---:|---:|"]
    for key, m in memory.items():
        if key != "ratio":
            lines.append(f"| {m['documents']:,} | {m['seconds']} | {m['docs_per_second']} | {m['peak_rss_mb']:,} |")
    lines += ["", f"Peak RSS ratio, large / small: {memory['ratio']}.", "",
              "## Scaling on this machine", "",
              f"Measured by `{scale['command']}` on {scale['date']}. "
              f"`neuroconcepts extract CORPUS --no-ner` in a fresh process for each run, on the bench corpus repeated to "
              f"{scale['documents']:,} documents in one JSONL file (copy k's ids end in -k), wall time; the load average "
              "(1, 5, 15 min) just before each run.", "",
              "| run | options | partitions | seconds | docs/s | load before |", "|---|---|---:|---:|---:|---|"]
    for name, run in scale["runs"].items():
        lines.append(f"| {name} | `{run['options']}` | {run['partitions']} | {run['seconds']} | "
                     f"{scale['documents'] / run['seconds']:.1f} | {run['load_before']} |")
    startup = scale["startup"]
    lines += ["", f"Outputs byte-identical in every run: {'yes' if scale['identical_outputs'] else '**no**'}. "
              f"Best single-process time {scale['best_single_seconds']} s; 2 workers take {scale['workers_2_vs_best']} of it "
              f"(target at most 0.56), Dask's 2-worker LocalCluster {scale['dask_vs_best']}; 7 partitions in one process "
              f"take {scale['many_partitions_vs_one']} of one partition's time (target at most 1.05).", "",
              "Start-up, lexicon mode, to the first annotated document (fresh process): built from the knowledge-base "
              f"files {startup['built']} s; loaded from the cache folder {startup['cached']} s; loaded by a worker from the "
              f"serialized pipeline ({startup['payload_mb']} MB) {startup['from_bytes']} s.", ""]
    g, e = results["graph_assembly"], results["graphml_export"]
    lines += ["## Graph assembly and GraphML export", "",
              f"Counting {g['documents']:,} generated annotated documents (4-16 mentions each, Zipf-like over 5,000 concepts) "
              f"and writing the counts as extract does ({g['pairs']:,} pairs, sentence or document): {g['count_seconds']} s; "
              f"peak RSS {g['count_peak_rss_mb']:,} MB. Then `neuroconcepts graph` on those counts (read the pairs that reach "
              "--min-count, build the graph with communities and centrality, write GraphML), each in a fresh process:", "",
              "| --min-count | nodes | edges | seconds | GraphML MB | peak RSS MB |", "|---:|---:|---:|---:|---:|---:|",
              *(f"| {b['min_count']} | {b['nodes']:,} | {b['edges']:,} | {b['seconds']} | {b['graphml_mb']} | {b['peak_rss_mb']:,} |"
                for b in g["graphs"]), "",
              f"GraphML export of a random graph of {e['nodes']:,} nodes and {e['edges']:,} edges with the project's attributes "
              f"({e['graphml_mb']} MB): {e['seconds']} s; peak RSS {e['peak_rss_mb']:,} MB.", ""]
    return "\n".join(lines)


def write_report(results: dict, out_dir: str | Path) -> None:
    """Write bench.json and bench.md to out_dir, atomically."""
    out_dir = Path(out_dir)
    with atomic_open(out_dir / "bench.json") as handle:
        json.dump(results, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    with atomic_open(out_dir / "bench.md") as handle:
        handle.write(render_markdown(results))
