"""Concepts and the knowledge base: reading, writing and merging the TSV files.

The knowledge base of neurobiological concepts lives in models/kb as tab-separated files.

The format is described in models/kb/FORMAT.md: one row per concept with its id, type,
preferred name, synonyms, abbreviations and relations. Users add concepts or synonyms
with extra files in the same format (``--kb-extra my_terms.tsv``): a row whose id is
already known adds its aliases and relations to that concept.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from pipeline.errors import KnowledgeBaseError
from pipeline.files.atomic import atomic_open
from pipeline.kb.alias_rules import AliasRule, read_alias_rules
from pipeline.kb.resolutions import Resolution, read_resolutions
from pipeline.resources import MODELS_DIR

LABELS = ("BRAIN_REGION", "NEURAL_SYSTEM", "NEUROCHEMICAL", "RECEPTOR", "SYMPTOM", "DRUG", "DISORDER")
LIST_COLUMNS = ("synonyms", "abbreviations", "abbreviations_if_defined", "part_of", "member_of", "is_a", "xrefs")
COLUMNS = ("id", "type", "name", *LIST_COLUMNS, "provenance")
RELATIONS = ("part_of", "member_of", "is_a")

DEFAULT_KB_DIR = MODELS_DIR / "kb"
ALIAS_RULES_FILE = "alias_rules.tsv"
REGION_LEVEL_FILE = "region_level.tsv"
RESOLUTIONS_FILE = "resolutions.tsv"


@dataclass(frozen=True)
class Concept:
    """One concept: id, type (an entity label), preferred name, aliases and relations."""

    id: str
    type: str
    name: str
    synonyms: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    abbreviations_if_defined: tuple[str, ...] = ()
    part_of: tuple[str, ...] = ()
    member_of: tuple[str, ...] = ()
    is_a: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    provenance: str = ""

    def merged(self, other: "Concept") -> "Concept":
        """This concept with the name, aliases, relations and xrefs of another row for the same id.

        The first row's name and type stay; the other's name becomes a synonym.
        """
        extra = {name: tuple(dict.fromkeys(getattr(self, name) + getattr(other, name))) for name in LIST_COLUMNS}
        if other.name != self.name:
            extra["synonyms"] = tuple(dict.fromkeys((*extra["synonyms"], other.name)))
        provenance = "; ".join(p for p in dict.fromkeys((self.provenance, other.provenance)) if p)
        return replace(self, **extra, provenance=provenance)


@dataclass
class KnowledgeBase:
    """Concepts by id, in the order they were read; `version` is a digest of the files they were read from."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    origins: dict[str, list[str]] = field(default_factory=dict)
    alias_rules: list[AliasRule] = field(default_factory=list)
    region_level: list[str] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    version: str = ""

    def add(self, concept: Concept, origin: str = "") -> None:
        """Add a concept; a second row with the same id adds its aliases and relations."""
        known = self.concepts.get(concept.id)
        self.concepts[concept.id] = known.merged(concept) if known else concept
        self.origins.setdefault(concept.id, []).append(origin)

    def __len__(self) -> int:
        return len(self.concepts)

    def __getitem__(self, concept_id: str) -> Concept:
        return self.concepts[concept_id]

    def __contains__(self, concept_id: str) -> bool:
        return concept_id in self.concepts

    def __iter__(self):
        return iter(self.concepts.values())


def _split(cell: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in cell.split("|") if item.strip())


def read_concepts(path: str | Path) -> list[tuple[Concept, str]]:
    """Read one knowledge-base TSV file: (concept, "file:line") pairs.

    A row that breaks the format raises KnowledgeBaseError naming the file and line.
    """
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in ("id", "type", "name") if c not in (reader.fieldnames or [])]
        unknown = [c for c in (reader.fieldnames or []) if c not in COLUMNS]
        if missing or unknown:
            raise KnowledgeBaseError(f"{path}:1: header must use the columns {', '.join(COLUMNS)} (missing {missing}, unknown {unknown})")
        concepts = []
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row or None in row.values():
                raise KnowledgeBaseError(f"{where}: expected {len(reader.fieldnames)} tab-separated columns")
            concept_id, label, name = row["id"].strip(), row["type"].strip(), row["name"].strip()
            if not concept_id or not name:
                raise KnowledgeBaseError(f"{where}: id and name must not be empty")
            if label not in LABELS:
                raise KnowledgeBaseError(f"{where}: type {label!r} is not one of {', '.join(LABELS)}")
            lists = {column: _split(row.get(column) or "") for column in LIST_COLUMNS}
            concept = Concept(concept_id, label, name, **lists, provenance=(row.get("provenance") or "").strip())
            concepts.append((concept, where))
        return concepts


def write_concepts(concepts: Iterable[Concept], path: str | Path) -> None:
    """Write concepts as a knowledge-base TSV file (sorted by id), atomically."""
    with atomic_open(path) as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for concept in sorted(concepts, key=lambda c: c.id):
            cells = [getattr(concept, name) for name in COLUMNS]
            handle.write("\t".join("|".join(c) if isinstance(c, tuple) else c for c in cells) + "\n")


def kb_files(kb_dir: str | Path = DEFAULT_KB_DIR) -> list[Path]:
    """The knowledge base's own files: models/kb/concepts/*.tsv, in name order."""
    return sorted(Path(kb_dir, "concepts").glob("*.tsv"))


def read_region_level(path: str | Path) -> list[str]:
    """Concept ids of the region-level file (a TSV with columns concept_id and name)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if "concept_id" not in (reader.fieldnames or []):
            raise KnowledgeBaseError(f"{path}:1: header must name the column concept_id")
        return [row["concept_id"].strip() for row in reader if row["concept_id"].strip()]


def read_kb(kb_dir: str | Path = DEFAULT_KB_DIR, extra: Iterable[str | Path] = ()) -> KnowledgeBase:
    """Read the knowledge base and any extra files of the user's, without checking it."""
    files = kb_files(kb_dir)
    if not files:
        raise KnowledgeBaseError(f"{kb_dir}: no knowledge base here (expected concepts/*.tsv)")
    region_level_file = Path(kb_dir) / REGION_LEVEL_FILE
    kb = KnowledgeBase(
        alias_rules=read_alias_rules(Path(kb_dir) / ALIAS_RULES_FILE),
        region_level=read_region_level(region_level_file) if region_level_file.exists() else [],
        resolutions=read_resolutions(Path(kb_dir) / RESOLUTIONS_FILE),
    )
    for path in [*files, *map(Path, extra)]:
        for concept, origin in read_concepts(path):
            kb.add(concept, origin)
    kb.version = kb_version([*files, *map(Path, extra), Path(kb_dir) / ALIAS_RULES_FILE, region_level_file, Path(kb_dir) / RESOLUTIONS_FILE])
    return kb


def kb_version(paths: Iterable[Path]) -> str:
    """The first 12 hex digits of the SHA-256 of the files' contents (absent files count as empty)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def load_kb(kb_dir: str | Path = DEFAULT_KB_DIR, extra: Iterable[str | Path] = ()) -> KnowledgeBase:
    """Read the knowledge base and extra files; a relation to an unknown concept is an error."""
    kb = read_kb(kb_dir, extra)
    problems = check_relations(kb)
    if problems:
        raise KnowledgeBaseError(problems[0])
    return kb


def check_relations(kb: KnowledgeBase) -> list[str]:
    """Relations and resolutions that point at unknown concepts, one message each."""
    return [
        f"{concept.id}: {relation} {target!r} is not in the knowledge base"
        for concept in kb
        for relation in RELATIONS
        for target in getattr(concept, relation)
        if target not in kb
    ] + [
        f"{row.origin}: {column} {getattr(row, column)!r} is not in the knowledge base"
        for row in kb.resolutions
        for column in ("generic", "substance", "resolved")
        if getattr(row, column) not in kb
    ]

