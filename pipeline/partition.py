"""Partitions: a corpus cut into pieces that are annotated independently and then joined.

A partition is a list of file slices. The plan depends only on the inputs and the
partition size, never on how many workers run it, so every engine gives the same parts:

- a PubMed XML file is one partition (a baseline file holds about 30,000 citations);
- a JSONL, CSV or TSV file with more than `size` records is cut into slices of `size`
  records (a slice is read from the start of the file, skipping the records before it);
- consecutive text files are grouped, `size` files to a partition.

Each partition writes its tables and counts into its own folder, OUT/parts/NNNNN/
(PARTS_DIR), and last a marker file, partition.json (MARKER_FILE), atomically; a
partition whose marker is there, for the same inputs and options, is done and is not
run again. The reduce step joins the parts in partition order into the single files
of an extract folder. While a partition runs, the co-occurrence counts it cannot hold
in memory are spilled into OUT/parts/NNNNN/runs/ (RUNS_DIR) and merged at its end.

Duplicate ids are found before annotation, across all partitions in corpus order
(`find_duplicates`), so a record whose id was seen earlier, in any partition, is
rejected exactly as a sequential read would reject it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.parquet as pq
from spacy.language import Language

from pipeline import __version__
from pipeline.annotate import annotate
from pipeline.atomic import atomic_open, atomic_path
from pipeline.cooccurrence import SpillingCounts
from pipeline.read import FieldMap, Record, Rejection, read_file
from pipeline.read.records import FirstSeen, check_length, duplicate
from pipeline.tabulate import (
    DOCUMENT_SCHEMA, DOCUMENTS_FILE, MENTION_SCHEMA, MENTIONS_CSV, MENTIONS_FILE, REJECTS_FILE, ROW_GROUP_ROWS, RowGroupWriter,
    TableWriter,
)

PARTS_DIR = "parts"
MARKER_FILE = "partition.json"
RUNS_DIR = "runs"  # a partition's counts spilled while it runs (cooccurrence.SpillingCounts)
PARTITION_SIZE = 20_000
CHUNKED_FORMATS = ("jsonl", "csv", "tsv")


@dataclass(frozen=True)
class FileSlice:
    """Records start..stop of one input file (stop None: to the end)."""

    path: str
    format: str
    start: int = 0
    stop: int | None = None

    def items(self, fields: FieldMap) -> Iterable[Record | Rejection]:
        items = read_file(self.path, self.format, fields)
        return items if (self.start, self.stop) == (0, None) else islice(items, self.start, self.stop)


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


def plan_partitions(files: Sequence[tuple[Path, str]], fields: FieldMap = FieldMap(), size: int = PARTITION_SIZE) -> list[Partition]:
    """Cut the input files (from list_inputs) into partitions of about `size` records."""
    if size < 1:
        raise ValueError(f"partition size must be at least 1, not {size}")
    slices: list[list[FileSlice]] = []
    text_group: list[FileSlice] = []
    for path, file_format in files:
        if file_format == "text":
            if not text_group:
                slices.append(text_group)
            text_group.append(FileSlice(str(path), file_format))
            if len(text_group) == size:
                text_group = []
            continue
        text_group = []
        records = sum(1 for _ in read_file(path, file_format, fields)) if file_format in CHUNKED_FORMATS else 0
        if records > size:
            slices.extend([FileSlice(str(path), file_format, start, start + size)] for start in range(0, records, size))
        else:
            slices.append([FileSlice(str(path), file_format)])
    return [Partition(index, tuple(group)) for index, group in enumerate(slices)]


def record_ids(partition: Partition, fields: FieldMap) -> list[tuple[int, str, str]]:
    """(item number, doc id, "file:position") of each record of a partition, in order."""
    return [
        (number, item.doc_id, f"{item.source}:{item.position}")
        for number, item in enumerate(partition.items(fields))
        if isinstance(item, Record)
    ]


def find_duplicates(ids_by_partition: Iterable[list[tuple[int, str, str]]]) -> list[dict[int, str]]:
    """For each partition, in corpus order, {item number: where its id was first seen}."""
    first_seen = FirstSeen()
    duplicates = []
    for ids in ids_by_partition:
        found = {}
        for number, doc_id, where in ids:
            earlier = first_seen.earlier(doc_id, where)
            if earlier:
                found[number] = earlier
        duplicates.append(found)
    return duplicates


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


def run_partition(task: PartitionTask, nlp: Language, progress: bool = False) -> PartitionResult:
    """Annotate one partition into its folder: tables, rejects and counts, then the marker."""
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
