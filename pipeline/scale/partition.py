"""Partitions: a corpus cut into pieces that are annotated independently and then joined.

A partition is a list of file slices. The plan comes from a planning pass over the inputs
(`scan_unit`, run by the engine like the partitions, files in parallel) that reads every
record once: its id, for duplicate ids, and in a JSONL, CSV or TSV file the cursor after
it (byte offset and line number), so that a slice is read from where it starts:

- a PubMed XML file is one partition (a baseline file holds about 30,000 citations);
- a JSONL, CSV or TSV file with more than `size` records is cut into slices of `size`
  records, each read from its byte offset (a .gz file is decompressed up to there, not
  parsed), numbering lines as a read from the start does;
- consecutive text files are grouped, `size` files to a partition.

`size` is the partition size asked for; by default (None) it is PARTITION_SIZE, or less
so that there are enough partitions for the workers: PARTITIONS_PER_WORKER for each when
the JSONL, CSV, TSV and text records are that many (`slice_size`). The plan may depend
on the number of workers; the outputs do not, since the parts are joined in corpus order.

Each partition writes its tables and counts into its own folder, OUT/parts/NNNNN/
(PARTS_DIR), and last a marker file, partition.json (MARKER_FILE), atomically; a
partition whose marker is there, for the same inputs and options, is done and is not
run again. The reduce step joins the parts in partition order into the single files
of an extract folder. While a partition runs, the co-occurrence counts it cannot hold
in memory are spilled into OUT/parts/NNNNN/runs/ (RUNS_DIR) and merged at its end.

Duplicate ids are found in the planning pass, across all files in corpus order
(`plan_partitions`), so a record whose id was seen earlier, in any partition, is
rejected exactly as a sequential read would reject it.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import hashlib
import json
import shutil
from array import array
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from spacy.language import Language

from pipeline import __version__
from pipeline.annotate.document import annotate
from pipeline.count.merge import SpillingCounts
from pipeline.files.atomic import atomic_open, atomic_path
from pipeline.read import SEEKABLE_FORMATS, Cursor, FieldMap, Record, Rejection, read_file, read_items
from pipeline.read.records import FirstSeen, check_length, duplicate
from pipeline.tabulate import (
    DOCUMENT_SCHEMA, DOCUMENTS_FILE, MENTION_SCHEMA, MENTIONS_CSV, MENTIONS_FILE, REJECTS_FILE, ROW_GROUP_ROWS, RowGroupWriter,
    TableWriter,
)

PARTS_DIR = "parts"
MARKER_FILE = "partition.json"
RUNS_DIR = "runs"  # a partition's counts spilled while it runs (pipeline.count.merge.SpillingCounts)
PARTITION_SIZE = 20_000  # the most records in a partition the default plan makes
PARTITIONS_PER_WORKER = 4  # the fewest partitions per worker the default plan makes, when the records are that many
TEXT_FILES_PER_SCAN = 1_000  # consecutive text files read by one task of the planning pass


@dataclass(frozen=True)
class FileSlice:
    """Items (records and rejections) start..stop of one input file (stop None: to the end);
    `cursor` is where item `start` begins (JSONL, CSV and TSV files)."""

    path: str
    format: str
    start: int = 0
    stop: int | None = None
    cursor: Cursor = Cursor()

    def items(self, fields: FieldMap) -> Iterable[Record | Rejection]:
        items = read_file(self.path, self.format, fields, self.cursor)
        return items if self.stop is None else islice(items, self.stop - self.start)


@dataclass(frozen=True)
class Partition:
    """One piece of a corpus: its number (its order in the corpus) and its file slices."""

    index: int
    slices: tuple[FileSlice, ...]

    @property
    def name(self) -> str:
        return f"{self.index:05d}"

    def items(self, fields: FieldMap) -> Iterator[Record | Rejection]:
        """Every record and rejection of the partition, in corpus order."""
        for file_slice in self.slices:
            yield from file_slice.items(fields)


@dataclass(frozen=True)
class PartitionTask:
    """What a worker needs to annotate one partition: the partition, where the corpus'
    duplicate ids fall in it ({item number: first occurrence}), and where to write."""

    partition: Partition
    fields: FieldMap
    duplicates: dict[int, str]
    parts_dir: str
    fingerprint: str


@dataclass
class PartitionResult:
    """What one finished partition reports (also stored in its marker file)."""

    index: int
    fingerprint: str
    tally: dict[str, int] = field(default_factory=dict)
    mentions_by_type: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    mentions: int = 0


@dataclass(frozen=True)
class ScanUnit:
    """Input files read by one task of the planning pass: a JSONL, CSV, TSV or PubMed XML
    file, or up to TEXT_FILES_PER_SCAN consecutive text files."""

    format: str
    paths: tuple[str, ...]


@dataclass
class Scan:
    """What the planning pass learns of a unit: how many items (records and rejections) it
    has, (item number, doc id, "file:position") of each record, and for a seekable file
    the cursor after each item (byte offsets and line numbers, as two arrays)."""

    items: int = 0
    ids: list[tuple[int, str, str]] = field(default_factory=list)
    offsets: array = field(default_factory=lambda: array("q"))
    lines: array = field(default_factory=lambda: array("q"))

    def cursor(self, item: int) -> Cursor:
        """Where item number `item` begins."""
        return Cursor(self.offsets[item - 1], self.lines[item - 1]) if item else Cursor()


def scan_units(files: Sequence[tuple[Path, str]]) -> list[ScanUnit]:
    """The input files (from list_inputs) as units of the planning pass, in corpus order."""
    groups: list[tuple[str, list[str]]] = []
    for path, file_format in files:
        if file_format == "text" and groups and groups[-1][0] == "text" and len(groups[-1][1]) < TEXT_FILES_PER_SCAN:
            groups[-1][1].append(str(path))
        else:
            groups.append((file_format, [str(path)]))
    return [ScanUnit(file_format, tuple(paths)) for file_format, paths in groups]


def scan_unit(unit: ScanUnit, fields: FieldMap) -> Scan:
    """Read every item of a unit once (the planning pass): its ids and cursors."""
    scan = Scan()
    for path in unit.paths:
        for item, cursor in read_items(path, unit.format, fields):
            if isinstance(item, Record):
                scan.ids.append((scan.items, item.doc_id, f"{item.source}:{item.position}"))
            if cursor is not None:
                scan.offsets.append(cursor.offset)
                scan.lines.append(cursor.line)
            scan.items += 1
    return scan


def slice_size(units: Sequence[ScanUnit], scans: Sequence[Scan], size: int | None = None, workers: int = 1) -> int:
    """Records (or text files) per slice: `size` when given; by default PARTITION_SIZE, or fewer,
    so that the records that can be cut (all but PubMed XML's) make at least
    PARTITIONS_PER_WORKER partitions per worker."""
    if size is not None:
        if size < 1:
            raise ValueError(f"partition size must be at least 1, not {size}")
        return size
    cuttable = sum(scan.items for unit, scan in zip(units, scans) if unit.format != "pubmed")
    return max(1, min(PARTITION_SIZE, -(-cuttable // (PARTITIONS_PER_WORKER * workers))))


def plan_partitions(
    units: Sequence[ScanUnit], scans: Sequence[Scan], size: int | None = None, workers: int = 1,
) -> tuple[list[Partition], list[dict[int, str]]]:
    """The partitions of the scanned units (see the module doc) and, for each, its duplicate
    ids: {item number in the partition: where the id was first seen, in corpus order}."""
    size = slice_size(units, scans, size, workers)
    groups: list[tuple[list[FileSlice], int]] = []  # (slices, number of the first item in the corpus)
    text_group: list[FileSlice] | None = None
    first = 0
    for unit, scan in zip(units, scans):
        if unit.format == "text":
            for n, path in enumerate(unit.paths):
                if text_group is None or len(text_group) == size:
                    text_group = []
                    groups.append((text_group, first + n))
                text_group.append(FileSlice(path, "text"))
        elif unit.format in SEEKABLE_FORMATS and scan.items > size:
            text_group = None
            groups.extend(
                ([FileSlice(unit.paths[0], unit.format, start, min(start + size, scan.items), scan.cursor(start))], first + start)
                for start in range(0, scan.items, size)
            )
        else:
            text_group = None
            groups.append(([FileSlice(unit.paths[0], unit.format)], first))
        first += scan.items
    partitions = [Partition(index, tuple(slices)) for index, (slices, _) in enumerate(groups)]
    return partitions, _duplicates(scans, [start for _, start in groups] + [first])


def _duplicates(scans: Sequence[Scan], bounds: list[int]) -> list[dict[int, str]]:
    """For each partition (its first item in the corpus: bounds[i] to bounds[i + 1]), {item
    number in it: where its id was first seen}, reading the ids in corpus order."""
    first_seen = FirstSeen()
    found: dict[int, str] = {}
    first = 0
    for scan in scans:
        for number, doc_id, where in scan.ids:
            earlier = first_seen.earlier(doc_id, where)
            if earlier:
                found[first + number] = earlier
        first += scan.items
    items = sorted(found)
    return [
        {item - begin: found[item] for item in items[bisect.bisect_left(items, begin):bisect.bisect_left(items, end)]}
        for begin, end in zip(bounds, bounds[1:])
    ]


def fingerprint(partition: Partition, fields: FieldMap, duplicates: dict[int, str], nlp: Language) -> str:
    """A digest of everything a partition's output depends on: the program version, the
    input files (path, size, modification time), the slice, the field names, the
    duplicates in it and the pipeline's configuration."""
    files = []
    for file_slice in partition.slices:
        stat = Path(file_slice.path).stat()
        files.append([asdict(file_slice), stat.st_size, stat.st_mtime_ns])
    key = {
        "version": __version__, "files": files, "fields": asdict(fields),
        "duplicates": sorted(duplicates.items()), "pipeline": nlp.config.to_str(), "pipes": nlp.pipe_names,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def finished(task: PartitionTask) -> PartitionResult | None:
    """The result of a partition already done with the same fingerprint, or None."""
    marker = Path(task.parts_dir) / task.partition.name / MARKER_FILE
    try:
        result = PartitionResult(**json.loads(marker.read_text(encoding="utf-8")))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None
    return result if result.fingerprint == task.fingerprint else None


def _records(
    items: Iterable[Record | Rejection], duplicates: dict[int, str], max_length: int, writer: TableWriter, tally: Counter,
) -> Iterator[Record]:
    """Pass records on; reject duplicates and records longer than `max_length`, and send
    rejections to the rejects file, counting both."""
    for number, item in enumerate(items):
        tally["read"] += 1
        if number in duplicates:
            item = duplicate(item, duplicates[number])
        elif isinstance(item, Record):
            item = check_length(item, max_length)
        if isinstance(item, Rejection):
            tally["rejected"] += 1
            tally["rejected: " + item.kind] += 1
            writer.reject(item)
        else:
            yield item


@contextlib.contextmanager
def _heap_frozen() -> Iterator[None]:
    """Meanwhile, the objects alive now (the pipeline and its knowledge base: millions of
    them) are left out of the garbage collector's full collections (gc.freeze), each of which
    would visit them all: counting and writing a partition's co-occurrences, which makes
    objects by the hundred thousand, took three times as long."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_partition(task: PartitionTask, nlp: Language, progress: bool = False) -> PartitionResult:
    """Annotate one partition into its folder: tables, rejects and counts, then the marker."""
    with _heap_frozen():
        return _run_partition(task, nlp, progress)


def _run_partition(task: PartitionTask, nlp: Language, progress: bool) -> PartitionResult:
    from tqdm import tqdm

    part_dir = Path(task.parts_dir) / task.partition.name
    shutil.rmtree(part_dir / RUNS_DIR, ignore_errors=True)  # left by a run that was killed
    counts = SpillingCounts(part_dir / RUNS_DIR)
    tally: Counter = Counter()
    by_type: Counter = Counter()
    with TableWriter(part_dir) as writer:
        records = _records(task.partition.items(task.fields), task.duplicates, nlp.max_length, writer, tally)
        if progress:  # only then: a tqdm bar makes a multiprocessing lock, which a worker stopped at once leaves behind
            records = tqdm(records, desc="documents", unit=" docs", leave=False)
        for document in annotate(records, nlp):
            writer.add(document)
            counts.add(document)
            by_type.update(m.label for m in document.mentions)
    counts.write(part_dir)
    shutil.rmtree(part_dir / RUNS_DIR, ignore_errors=True)
    result = PartitionResult(
        task.partition.index, task.fingerprint, dict(sorted(tally.items())), dict(sorted(by_type.items())),
        writer.n_documents, writer.n_mentions,
    )
    with atomic_open(part_dir / MARKER_FILE) as handle:
        json.dump(asdict(result), handle, indent=2, sort_keys=True)
        handle.write("\n")
    return result


def join_parts(part_dirs: Sequence[Path], out_dir: str | Path) -> None:
    """Join the parts' tables and rejects, in partition order, into the single files of out_dir."""
    out_dir = Path(out_dir)
    for name, schema in ((DOCUMENTS_FILE, DOCUMENT_SCHEMA), (MENTIONS_FILE, MENTION_SCHEMA)):
        _join_parquet([part_dir / name for part_dir in part_dirs], out_dir / name, schema)
    for name, header in ((MENTIONS_CSV, ",".join(MENTION_SCHEMA.names) + "\n"), (REJECTS_FILE, "")):
        with atomic_open(out_dir / name, "wb") as out:
            out.write(header.encode())
            for part_dir in part_dirs:
                with open(part_dir / name, "rb") as part:
                    if header:
                        part.readline()
                    shutil.copyfileobj(part, out)


def _join_parquet(files: Sequence[Path], path: Path, schema: pa.Schema) -> None:
    """One Parquet file of the files' rows, in row groups of ROW_GROUP_ROWS rows: the bytes
    do not depend on how the rows were partitioned."""
    with atomic_path(path) as tmp, RowGroupWriter(tmp, schema) as writer:
        for file in files:
            for batch in pq.ParquetFile(file).iter_batches(batch_size=ROW_GROUP_ROWS):
                writer.write(pa.Table.from_batches([batch], schema))
