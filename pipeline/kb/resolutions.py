"""Which concept a generic mention resolves to in a document about a substance
(models/kb/resolutions.tsv).

A bare head noun names a generic concept ("withdrawal": substance withdrawal; "dependence":
substance dependence); in a document about a drug it means that drug's kind ("withdrawal" in a
morphine abstract is opioid withdrawal). Each row says: a mention of concept `generic`, in a
text about `substance` (a DRUG concept; a drug reaches the substances above it along is_a:
morphine is_a opioid analgesic is_a opioid), resolves to concept `resolved`; with `joins`
= yes, a DRUG mention right before it joins it into one mention ("heroin dependence" is one
mention of opioid dependence, as the annotation guidelines have it; "heroin withdrawal" stays
two). The rows are applied by the concept_resolver component (pipeline/annotate/resolution.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import KnowledgeBaseError

COLUMNS = ("generic", "substance", "resolved", "joins", "note")


@dataclass(frozen=True)
class Resolution:
    """One row: a mention of `generic` in a text about `substance` means `resolved`; `joins`:
    a DRUG mention right before it becomes part of it."""

    generic: str
    substance: str
    resolved: str
    joins: bool = False
    note: str = ""
    origin: str = ""


def read_resolutions(path: str | Path) -> list[Resolution]:
    """Read the resolutions file; a missing file means no resolutions."""
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise KnowledgeBaseError(f"{path}:1: header must be {' '.join(COLUMNS)} (tab-separated)")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row or None in row.values():
                raise KnowledgeBaseError(f"{where}: expected {len(COLUMNS)} tab-separated columns")
            joins = row["joins"].strip()
            if joins not in ("", "yes"):
                raise KnowledgeBaseError(f"{where}: joins is 'yes' or empty, not {joins!r}")
            resolution = Resolution(row["generic"].strip(), row["substance"].strip(), row["resolved"].strip(), joins == "yes",
                                    row["note"].strip(), where)
            if not (resolution.generic and resolution.substance and resolution.resolved):
                raise KnowledgeBaseError(f"{where}: generic, substance and resolved must not be empty")
            rows.append(resolution)
    return rows
