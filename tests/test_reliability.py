"""Issue 14: the seventeen failures a hostile tester found, each a test on a real fault
(truncated and corrupt gzip, a read-only folder, a file-size limit, kill -9, SIGINT, a
second run, hostile ids and markup). `make reliability` runs these tests and writes
reports/reliability.md from their docstrings ("Before:", "Now:") and what they observed.

Subprocess tests run the real CLI on the fixture knowledge base without the NER
(LEXICON), whose pipeline builds in about half a second.
"""

from __future__ import annotations

import csv
import ctypes
import gzip
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import networkx as nx
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline.annotate.nlp import build_nlp
from pipeline.cli import MENTION_FIELDS, cli
from pipeline.errors import InputError
from pipeline.files.outdir import COMPLETE_FILE
from pipeline.scale import distribute
from pipeline.scale.partition import MARKER_FILE, PARTS_DIR
from pipeline.tabulate import csv_cell
from pipeline.workflow import extract, graph

pytestmark = pytest.mark.slow  # kills and interrupts real runs

REPO = Path(__file__).parent.parent
DEMO = REPO / "corpora" / "demo"
SMALL_KB = REPO / "tests" / "data" / "kb"
LEXICON = ("--kb", str(SMALL_KB), "--no-ner")
TEXT = "Morphine withdrawal activated the locus coeruleus and the ventral tegmental area (VTA) in rats."


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def one_line(stderr: str) -> str:
    """The one line of an error on stderr (and that it is one line, without a traceback)."""
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    assert "Traceback" not in stderr
    return stderr.strip()


def neuroconcepts(*args: str) -> list[str]:
    """The command line of the CLI in a fresh interpreter."""
    return [sys.executable, "-m", "pipeline", *map(str, args)]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def big_corpus(path: Path, copies: int) -> Path:
    """The demo abstracts `copies` times over, with fresh ids."""
    records = [json.loads(line) for line in (DEMO / "abstracts.jsonl").read_text(encoding="utf-8").splitlines()]
    return write_jsonl(path, [{**r, "id": f"{r['id']}-{n}"} for n in range(copies) for r in records])


def rejects(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]


def records_balance(out: Path) -> dict:
    """summary.json's records, after checking read = processed + rejected against the tables."""
    records = json.loads((out / "summary.json").read_text(encoding="utf-8"))["records"]
    assert records["read"] == records["processed"] + records["rejected"]
    assert records["processed"] == pq.ParquetFile(out / "documents.parquet").metadata.num_rows
    assert records["rejected"] == len(rejects(out))
    return records


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (OSError, IndexError):
        return False


def gone_within(pids: set[int], seconds: float) -> bool:
    """Whether every one of the processes has ended within `seconds` from now."""
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(pid) for pid in pids)


def wait_for_marker(out: Path, process: subprocess.Popen) -> None:
    """Until a partition of the run is done (its workers are busy with the next ones)."""
    deadline = time.monotonic() + 120
    while not list((out / PARTS_DIR).glob(f"*/{MARKER_FILE}")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be stopped"


@pytest.fixture(scope="module")
def lexicon_nlp():
    """The pipeline the subprocess tests run (LEXICON), built here: a run in this process can
    prepare or resume what a subprocess run did, and the other way round."""
    return build_nlp(str(SMALL_KB), ner=False)


def held_in_its_join(command: list[str], parts_from: Path, out: Path) -> subprocess.Popen:
    """Start `command`, a run resuming the finished partitions of parts_from into out, and
    hold it in its join, deterministically: one part's rejects.jsonl is a named pipe, which
    blocks the join until someone opens it to write (release_join)."""
    shutil.copytree(parts_from / PARTS_DIR, out / PARTS_DIR)
    (out / PARTS_DIR / "00001" / "rejects.jsonl").unlink()
    os.mkfifo(out / PARTS_DIR / "00001" / "rejects.jsonl")
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob(".rejects.jsonl.*.tmp")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the run was not held in its join"
    return process


def release_join(out: Path) -> None:
    """Let a run held by held_in_its_join go on: the named pipe, opened and closed, reads as an empty file."""
    os.close(os.open(out / PARTS_DIR / "00001" / "rejects.jsonl", os.O_WRONLY))


@pytest.fixture
def observed(record_property, tmp_path):
    """Record what a case showed, for reports/reliability.md (this test's folder as TMP)."""
    def record(text: str) -> None:
        record_property("observed", str(text).replace(str(tmp_path), "TMP").strip())
    return record


def test_case_01_truncated_gzip(tmp_path, small_nlp, observed):
    """Case 1. A truncated `.gz` (PubMed XML, JSONL or CSV).
    Before: exit 1 with only `Aborted!`, no file name, no reason.
    Now: one line naming the file and the last record read before the break (`truncated gzip file`), exit 1; the folder is not marked complete."""
    rows = "".join(f"{n},Title {n},{TEXT}\n" for n in range(300))
    sources = {
        "pubmed.xml.gz": (DEMO / "pubmed_sample.xml").read_bytes(),
        "abstracts.jsonl.gz": (DEMO / "abstracts.jsonl").read_bytes(),
        "table.csv.gz": ("id,title,abstract\n" + rows).encode(),
    }
    for name, data in sources.items():
        packed = gzip.compress(data, mtime=0)
        path = tmp_path / name
        path.write_bytes(packed[: len(packed) * 3 // 4])
        with pytest.raises(InputError) as caught:
            extract([path], tmp_path / f"out-{name}", small_nlp)
        assert caught.value.path == str(path)
        assert caught.value.position.startswith("after ") or name.endswith(".xml.gz")  # lxml reads ahead in large blocks
        assert caught.value.message == "truncated gzip file (it ends before its end-of-stream marker)"
        assert not (tmp_path / f"out-{name}" / COMPLETE_FILE).exists()
        observed(caught.value)
    result = invoke("extract", tmp_path / "abstracts.jsonl.gz", "--out", tmp_path / "cli", *LEXICON)
    assert result.exit_code == 1
    observed(one_line(result.stderr))


def test_case_02_corrupt_gzip(tmp_path, small_nlp, observed):
    """Case 2. A corrupt gzip file: a flipped byte in the compressed data, a wrong CRC.
    Before: a `BadGzipFile` traceback.
    Now: one line naming the file and the last record read (`corrupt gzip file (...)`), exit 1."""
    packed = gzip.compress((DEMO / "abstracts.jsonl").read_bytes(), mtime=0)
    flipped, bad_crc = bytearray(packed), bytearray(packed)
    flipped[len(packed) // 2] ^= 0xFF
    bad_crc[-8] ^= 0xFF  # the trailer: CRC-32, then the length
    for name, data in (("flipped.jsonl.gz", flipped), ("crc.jsonl.gz", bad_crc)):
        path = tmp_path / name
        path.write_bytes(bytes(data))
        with pytest.raises(InputError) as caught:
            extract([path], tmp_path / f"out-{name}", small_nlp)
        assert caught.value.path == str(path) and caught.value.message.startswith("corrupt gzip file (")
        observed(caught.value)
    result = invoke("extract", tmp_path / "crc.jsonl.gz", "--out", tmp_path / "cli", *LEXICON)
    assert result.exit_code == 1 and "crc.jsonl.gz:after line 34: corrupt gzip file (CRC check failed" in one_line(result.stderr)


def test_case_03_impossible_year(tmp_path, small_nlp, observed):
    """Case 3. `"year": 99999999999` (and other years no calendar has).
    Before: an `ArrowInvalid` traceback; the whole run died, `parts/` left behind.
    Now: the record is rejected, `malformed record: year 99999999999 out of range (1 to 9999)`; the others are processed."""
    years = [99999999999, -5, 0, 10**30, 2014, "2011 Mar-Apr"]
    corpus = write_jsonl(tmp_path / "years.jsonl", [{"id": f"y{n}", "abstract": TEXT, "year": y} for n, y in enumerate(years)])
    extract([corpus], tmp_path / "out", small_nlp)
    reasons = {r["doc_id"]: r["reason"] for r in rejects(tmp_path / "out")}
    assert reasons == {
        "y0": "malformed record: year 99999999999 out of range (1 to 9999)",
        "y1": "malformed record: year -5 out of range (1 to 9999)",
        "y2": "malformed record: year 0 out of range (1 to 9999)",
        "y3": f"malformed record: year {10**30} out of range (1 to 9999)",
    }
    assert pd.read_parquet(tmp_path / "out" / "documents.parquet")["year"].tolist() == [2014, 2011]
    assert records_balance(tmp_path / "out") == {"read": 6, "processed": 2, "rejected": 4}
    assert not (tmp_path / "out" / PARTS_DIR).exists()
    observed(reasons["y0"])


def test_case_04_record_too_long(tmp_path, small_nlp, observed):
    """Case 4. A record of over 1,000,000 characters (a large `.txt`, a long JSONL line), in extract and in `annotate`.
    Before: spaCy's E088 traceback; the run died instead of rejecting the record; `annotate` too.
    Now: the record is rejected as `too long: 1,000,001 characters (limit 1,000,000)` (spaCy's nlp.max_length); the others are processed; `annotate` reports it on stderr and goes on."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    long_text = ((TEXT + " ") * 11_000)[:1_000_000] + "x"
    (corpus / "long.txt").write_text(long_text, encoding="utf-8")
    (corpus / "short.txt").write_text(TEXT, encoding="utf-8")
    write_jsonl(corpus / "lines.jsonl", [{"id": "j1", "abstract": long_text}, {"id": "j2", "abstract": TEXT}])
    extract([corpus], tmp_path / "out", small_nlp)
    reasons = {r["doc_id"]: r["reason"] for r in rejects(tmp_path / "out")}
    assert reasons == {"j1": "too long: 1,000,001 characters (limit 1,000,000)", "long": "too long: 1,000,001 characters (limit 1,000,000)"}
    assert records_balance(tmp_path / "out") == {"read": 4, "processed": 2, "rejected": 2}
    observed(f"extract: {reasons['long']}")
    lines = json.dumps({"id": "a", "text": long_text}) + "\n" + json.dumps({"id": "b", "text": TEXT}) + "\n"
    result = invoke("annotate", "-", *LEXICON, input=lines)
    assert result.exit_code == 1
    assert one_line(result.stderr) == "neuroconcepts: <stdin>:line 1: too long: 1,000,001 characters (limit 1,000,000)"
    assert {json.loads(line)["doc_id"] for line in result.stdout.splitlines()} == {"b"}
    observed(f"annotate: {result.stderr}")


def test_case_05_lone_surrogate(tmp_path, small_nlp, observed):
    """Case 5. A lone surrogate (`\\ud800` in JSON) in a text or an id.
    Before: a `UnicodeEncodeError` traceback, `parts/` left.
    Now: the record is rejected as `bad encoding: lone surrogate U+D800 in abstract` (or `in id`); rejects.jsonl stays valid UTF-8."""
    lines = ['{"id": "s1", "abstract": "Morphine \\ud800 withdrawal"}', '{"id": "s2\\udc80", "abstract": "Morphine."}',
             json.dumps({"id": "ok", "abstract": TEXT})]
    (tmp_path / "s.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    extract([tmp_path / "s.jsonl"], tmp_path / "out", small_nlp)
    found = {r["position"]: (r["doc_id"], r["reason"]) for r in rejects(tmp_path / "out")}
    assert found == {"line 1": ("s1", "bad encoding: lone surrogate U+D800 in abstract"),
                     "line 2": ("s2\\udc80", "bad encoding: lone surrogate U+DC80 in id")}
    assert records_balance(tmp_path / "out") == {"read": 3, "processed": 1, "rejected": 2}
    observed(found["line 1"][1])


def test_case_06_xml_illegal_characters(tmp_path, small_nlp, observed):
    """Case 6. Control characters (U+0000-U+001F but tab, LF, CR; U+FFFE, U+FFFF) in a text or an id; a form feed as pdftotext writes.
    Before: extract succeeded, then `run`/`graph` crashed in the GraphML writer.
    Now: GraphML and GEXF get U+FFFD in their place and parse; the Parquet tables keep the text as read."""
    sentence = "Morphine \x0c activated the locus coeruleus \x00 and \ufffe the ventral tegmental area \uffff in rats \x1b."
    corpus = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "d\x0c1", "abstract": sentence}, {"id": "doc2", "title": "Morphine\x01", "abstract": TEXT},
    ])
    out = tmp_path / "out"
    extract([corpus], out, small_nlp)
    concept_graph = graph([out], out / "graph.graphml", exports=["gexf", "csv", "cytoscape", "html"])
    assert concept_graph.number_of_edges() > 0
    etree.parse(str(out / "graph.graphml"), etree.XMLParser(recover=False))
    etree.parse(str(out / "graph.gexf"), etree.XMLParser(recover=False))
    read_back = nx.read_graphml(out / "graph.graphml")
    edge = read_back.edges["MESH:D009020", "UBERON:0002148"]
    replaced = sentence.translate({0x0c: "\ufffd", 0x00: "\ufffd", 0xfffe: "\ufffd", 0xffff: "\ufffd", 0x1b: "\ufffd"})
    assert "\ufffd" in edge["evidence"] and edge["evidence"] in replaced  # the first document's sentence
    assert edge["pmids"] == "d\ufffd1;doc2"
    documents = pd.read_parquet(out / "documents.parquet")
    assert documents["doc_id"].tolist() == ["d\x0c1", "doc2"] and documents["title"].tolist() == ["", "Morphine\x01"]
    evidence = edge["evidence"]
    observed(f"GraphML evidence: {evidence!r}")


def test_case_07_folder_with_nothing_to_read(tmp_path, small_nlp, observed):
    """Case 7. A folder with no supported files (and an empty JSONL file).
    Before: empty outputs, then a `FileNotFoundError .../parts` traceback.
    Now: a folder with nothing to read is one line naming it and the extensions read, exit 1; an empty file gives an empty, complete extract and graph."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.md").write_text("abstracts to come\n", encoding="utf-8")
    result = invoke("extract", tmp_path / "notes", "--out", tmp_path / "out", *LEXICON)
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith(f"neuroconcepts: error: {tmp_path / 'notes'}: no file to read in this folder (extensions read: .txt, .jsonl")
    assert not (tmp_path / "out").exists()
    observed(line)
    (tmp_path / "empty.jsonl").write_bytes(b"")
    extract([tmp_path / "empty.jsonl"], tmp_path / "empty", small_nlp)
    assert records_balance(tmp_path / "empty") == {"read": 0, "processed": 0, "rejected": 0}
    assert graph([tmp_path / "empty"], tmp_path / "empty" / "graph.graphml").number_of_nodes() == 0


def _without_dac_override() -> None:
    """In the child, as root: drop the capabilities that let root write anywhere, so a
    read-only folder is read-only to it too (prctl PR_CAPBSET_DROP, before exec)."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
            if libc.prctl(24, capability) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _file_size_limit() -> None:
    """In the child: no file may grow past 20 kB; writes beyond fail as on a full disk (EFBIG rather than ENOSPC)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_case_08_read_only_folder_and_full_disk(tmp_path, lexicon_nlp, observed):
    """Case 8. A read-only `--out`; a full disk (a file-size limit, RLIMIT_FSIZE: the same failed write).
    Before: tracebacks (old outputs intact, `parts/` left).
    Now: one line naming the folder or file and the system's reason, exit 1; old outputs intact; a run stopped by the full disk leaves the folder unfinished, which `graph` refuses, and resumes when run again."""
    out = tmp_path / "out"
    extract([DEMO], out, lexicon_nlp)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    out.chmod(0o555)
    try:
        done = subprocess.run(neuroconcepts("run", DEMO, "--out", out, *LEXICON), cwd=REPO, capture_output=True, text=True,
                              preexec_fn=_without_dac_override)
    finally:
        out.chmod(0o755)
    assert done.returncode == 1
    assert one_line(done.stderr) == f"neuroconcepts: error: {out / COMPLETE_FILE}: Permission denied"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    observed(f"read-only: {done.stderr}")

    full = tmp_path / "full"
    done = subprocess.run(neuroconcepts("extract", DEMO, "--out", full, *LEXICON), cwd=REPO, capture_output=True, text=True,
                          preexec_fn=_file_size_limit)
    assert done.returncode == 1
    assert one_line(done.stderr) == f"neuroconcepts: error: {full}: File too large"
    assert not (full / COMPLETE_FILE).exists() and not list(full.glob(".*.tmp"))
    result = invoke("graph", full)
    assert result.exit_code == 1 and "did not finish" in one_line(result.stderr)
    resumed = []
    extract([DEMO], full, lexicon_nlp, log=resumed.append)
    assert len(resumed) == 1 and (done_parts := re.fullmatch(r"resuming: (\d+) of (\d+) partitions already done in .*", resumed[0]))
    assert 0 < int(done_parts[1]) <= int(done_parts[2])
    assert (full / COMPLETE_FILE).exists()
    observed(f"full disk: {done.stderr}")


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_case_09_workers_die_with_their_parent(tmp_path, engine, observed):
    """Case 9. kill -9 of the parent with `--workers 2` (the process pool, and Dask's LocalCluster).
    Before: the workers lived on for minutes, still writing into `parts/` beside the resumed run.
    Now: pool workers ask the kernel to kill them when their parent dies (PR_SET_PDEATHSIG) and watch it every second; Dask's workers watch a pipe to it. None is alive 5 s after the kill."""
    corpus = big_corpus(tmp_path / "big.jsonl", 40)
    out = tmp_path / "out"
    process = subprocess.Popen(neuroconcepts("extract", corpus, "--out", out, *LEXICON, "--workers", 2, "--engine", engine,
                                             "--partition-size", 40, "-q"), cwd=REPO, stderr=subprocess.DEVNULL)
    wait_for_marker(out, process)
    workers = children(process.pid)
    assert len(workers) >= 2
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed = time.monotonic()
    assert gone_within(workers, 5)
    observed(f"{engine}: {len(workers)} child processes, none alive {time.monotonic() - killed:.1f} s after kill -9 of the parent")


def test_case_10_one_run_per_folder(tmp_path, lexicon_nlp, observed):
    """Case 10. Two extracts into one `--out`.
    Before: the first exited 0 with a mixed folder (summary 3,000 documents, documents.parquet 2,400); the second raised a traceback.
    Now: the first run holds an exclusive lock on OUT/.lock; the second exits 1 with one line naming the holder (pid, host, start, command); the first ends with a consistent folder.
    The first run is held in its join while the second starts (a named pipe, see case 11)."""
    corpus = big_corpus(tmp_path / "corpus.jsonl", 2)
    out, parts_from = tmp_path / "out", tmp_path / "parts-from"
    extract([corpus], parts_from, lexicon_nlp, partition_size=20, keep_parts=True)
    command = neuroconcepts("extract", corpus, "--out", out, *LEXICON, "--partition-size", 20, "-q")
    first = held_in_its_join(command, parts_from, out)
    second = invoke("extract", DEMO, "--out", out, *LEXICON)
    assert second.exit_code == 1
    line = one_line(second.stderr)
    assert line.startswith(f"neuroconcepts: error: {out}: in use by another run (pid {first.pid} on ")
    assert line.endswith(f": neuroconcepts {' '.join(command[3:])})")
    release_join(out)
    assert first.wait() == 0, first.stderr.read()
    assert records_balance(out) == {"read": 68, "processed": 68, "rejected": 0}
    observed(line.replace(str(REPO) + "/", ""))


def test_case_11_killed_rerun_is_not_a_silent_mix(tmp_path, lexicon_nlp, observed):
    """Case 11. kill -9 during the join of a re-extract into an existing folder.
    Before: documents and mentions new, CSV, counts and summary old; `graph` on it exited 0; a stale `.tmp` stayed.
    Now: a run removes complete.json first and writes it last, so `graph` refuses the folder (one line, exit 1); the next run removes the stale temporary file.
    The run is held in its join deterministically: one part's rejects.jsonl is a named pipe nobody writes."""
    first = write_jsonl(tmp_path / "first.jsonl", [{"id": "f1", "abstract": TEXT}])
    second = big_corpus(tmp_path / "second.jsonl", 2)
    out, parts_from = tmp_path / "out", tmp_path / "parts-from"
    extract([second], parts_from, lexicon_nlp, partition_size=20, keep_parts=True)
    extract([first], out, lexicon_nlp)
    process = held_in_its_join(neuroconcepts("extract", second, "--out", out, *LEXICON, "--partition-size", 20, "-q"), parts_from, out)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert pq.ParquetFile(out / "documents.parquet").metadata.num_rows == 68  # the second corpus: joined
    assert json.loads((out / "summary.json").read_text())["records"]["read"] == 1  # the first: not yet rewritten
    stale = list(out.glob(".rejects.jsonl.*.tmp"))
    assert len(stale) == 1 and not (out / COMPLETE_FILE).exists()
    result = invoke("graph", out)
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line == f"neuroconcepts: error: {out}: the last run into this folder did not finish (no complete.json): run it again"
    observed(line)
    shutil.rmtree(out / PARTS_DIR)
    extract([second], out, lexicon_nlp)
    assert not stale[0].exists() and (out / COMPLETE_FILE).exists()
    assert records_balance(out)["processed"] == 68


def test_case_12_annotate_goes_on_after_bad_lines(observed):
    """Case 12. `annotate -` with a line of invalid UTF-8, a lone surrogate or bad JSON.
    Before: a traceback; every later line lost.
    Now: each bad line is one line on stderr with its line number; the others are annotated; exit 1 at the end."""
    lines = b"\n".join([
        json.dumps({"id": "a", "text": TEXT}).encode(),
        b'{"id": "b", "text": "bad \xff byte"}',
        b'{"id": "c", "text": "Morphine \\ud800."}',
        b"{not json",
        json.dumps({"id": "e", "text": "Diarrhea and wet-dog shakes after morphine."}).encode(),
    ]) + b"\n"
    result = invoke("annotate", "-", *LEXICON, input=lines)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "neuroconcepts: <stdin>:line 2: bad encoding: invalid start byte at byte 25",
        "neuroconcepts: <stdin>:line 3: bad encoding: lone surrogate U+D800 in abstract",
        "neuroconcepts: <stdin>:line 4: malformed record: Expecting property name enclosed in double quotes at column 2",
    ]
    assert {json.loads(line)["doc_id"] for line in result.stdout.splitlines()} == {"a", "e"}
    observed(result.stderr)


def test_case_13_usage_and_environment_errors(tmp_path, small_nlp, monkeypatch, observed):
    """Case 13. `--backbone nan`, an unreachable `--scheduler`, `view` of a file that is not XML, `graph` on a truncated Parquet file.
    Before: tracebacks.
    Now: `--backbone nan` is a usage error (exit 2); the others are one line naming the option or the file (and the position), exit 1."""
    out = tmp_path / "out"
    extract([DEMO / "abstracts.jsonl"], out, small_nlp)
    result = invoke("graph", out, "--backbone", "nan")
    assert result.exit_code == 2 and "Invalid value for '--backbone': nan is not a number" in result.stderr
    observed(result.stderr.strip().splitlines()[-1])

    monkeypatch.setattr(distribute, "SCHEDULER_TIMEOUT", 1)
    result = invoke("extract", DEMO, "--out", tmp_path / "dask", *LEXICON, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith("neuroconcepts: error: --scheduler tcp://127.0.0.1:1: cannot reach the Dask scheduler (Timed out")
    observed(line)

    (tmp_path / "notes.graphml").write_text("Not XML, a note.\n", encoding="utf-8")
    result = invoke("view", tmp_path / "notes.graphml")
    assert result.exit_code == 1
    assert one_line(result.stderr) == f"neuroconcepts: error: {tmp_path / 'notes.graphml'}:line 1, column 0: not well-formed XML: syntax error"
    observed(result.stderr)

    pairs = out / "cooccurrence_pairs.parquet"
    size = pairs.stat().st_size
    os.truncate(pairs, size // 2)
    result = invoke("graph", out)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (f"neuroconcepts: error: {pairs}: changed since the run that wrote it finished "
                                       f"({size:,} bytes then, {size // 2:,} bytes now): run it again")
    observed(result.stderr)


def test_case_15_ids_with_separators_and_formulas(tmp_path, small_nlp, observed):
    """Case 15. Ids with `;` or a tab; ids like `=HYPERLINK(...)`.
    Before: `;` split the `pmids` list, a tab broke `--format table`, formulas reached `graph.edges.csv`.
    Now: ids in `;`-separated lists percent-encode %, ;, tab, LF and CR; `annotate --format table` escapes backslash, tab, LF and CR; CSV text cells starting with =, +, -, @, tab or CR get a leading `'` (numbers never)."""
    ids = ["a;b", "tab\there", '=HYPERLINK("http://example.org","x")', "+1", "-2", "@sum", "50%;"]
    corpus = write_jsonl(tmp_path / "ids.jsonl", [{"id": i, "abstract": TEXT} for i in ids])
    out = tmp_path / "out"
    extract([corpus], out, small_nlp)
    graph([out], out / "graph.graphml", exports=["csv"])
    edge = nx.read_graphml(out / "graph.graphml").edges["MESH:D009020", "UBERON:0002148"]
    assert sorted(map(unquote, edge["pmids"].split(";"))) == sorted(ids)
    observed(f"pmids: {edge['pmids']}")
    with open(out / "graph.edges.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(isinstance(float(row["npmi"]), float) for row in rows)  # numbers are written as numbers, never quoted
    assert csv_cell(-0.25) == -0.25 and csv_cell("-2") == "'-2" and csv_cell("2-AG") == "2-AG"
    row = next(r for r in rows if {r["source"], r["target"]} == {"MESH:D009020", "UBERON:0002148"})
    assert row["pmids"] == "'" + edge["pmids"]  # the list starts with "+1": a formula to a spreadsheet
    with open(out / "mentions.csv", encoding="utf-8", newline="") as handle:
        doc_ids = {row["doc_id"] for row in csv.DictReader(handle)}
    assert doc_ids == {"a;b", "tab\there", "'" + ids[2], "'+1", "'-2", "'@sum", "50%;"}
    observed(f"mentions.csv doc_id: {sorted(doc_ids)}")

    lines = "".join(json.dumps({"id": i, "text": TEXT}) + "\n" for i in ("tab\there", "new\nline"))
    result = invoke("annotate", "-", "--format", "table", *LEXICON, input=lines)
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split("\t") == list(MENTION_FIELDS)
    assert all(len(r.split("\t")) == len(MENTION_FIELDS) for r in rows)
    assert {r.split("\t")[0] for r in rows} == {"tab\\there", "new\\nline"}
    observed(f"annotate --format table doc_id cells: {sorted({r.split(chr(9))[0] for r in rows})}")


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_case_16_sigint_stops_within_seconds(tmp_path, engine, observed):
    """Case 16. SIGINT to the parent with `--workers 2` (the process pool, and Dask's LocalCluster).
    Before: 17 s while every remaining partition finished; exit 1, not 130.
    Now: the parent cancels what has not started and terminates its workers (pool workers leave SIGINT to it; a LocalCluster is closed); `neuroconcepts: interrupted`, exit 130, no worker left."""
    corpus = big_corpus(tmp_path / "big.jsonl", 40)
    out = tmp_path / "out"
    process = subprocess.Popen(neuroconcepts("extract", corpus, "--out", out, *LEXICON, "--workers", 2, "--engine", engine,
                                             "--partition-size", 40, "-q"), cwd=REPO, stderr=subprocess.PIPE, text=True)
    wait_for_marker(out, process)
    workers = children(process.pid)
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout={"processes": 10, "dask": 30}[engine]) == 130  # a LocalCluster takes a few seconds to close
    seconds = time.monotonic() - interrupted
    assert process.stderr.read() == "neuroconcepts: interrupted\n"
    assert gone_within(workers, 5)  # the pool's workers are joined before the exit; multiprocessing's resource tracker follows
    assert not (out / COMPLETE_FILE).exists() and len(list((out / PARTS_DIR).glob(f"*/{MARKER_FILE}"))) < 34
    observed(f"{engine}: exit 130 after {seconds:.1f} s: neuroconcepts: interrupted")


def test_case_17_graph_never_overwrites_its_inputs(tmp_path, small_nlp, observed):
    """Case 17. `graph --out DIR/documents.parquet`.
    Before: it silently overwrote its own input.
    Now: a usage error naming --out (exit 2) when the GraphML file, or a file exported beside it, is one of the extract folders' files; `diff` likewise."""
    out = tmp_path / "out"
    extract([DEMO / "abstracts.jsonl"], out, small_nlp)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = invoke("graph", out, "--out", out / "documents.parquet")
    assert result.exit_code == 2
    assert f"Invalid value for --out: {out / 'documents.parquet'} is one of the files the graph is built from" in result.stderr
    observed(result.stderr.strip().splitlines()[-1])
    assert invoke("diff", out, out, "--out", out / "summary.json").exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
