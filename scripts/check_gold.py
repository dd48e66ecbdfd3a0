"""Check the gold corpus files and list annotation inconsistencies for review.

    .venv/bin/python scripts/check_gold.py corpora/gold/dev corpora/gold/test

Reads every .jsonl file under the given folders (or the given .jsonl files) and checks
the format described in corpora/gold/README.md. Errors, one line each with file and line:

- a record without a unique id, a title and abstract string, an entities list, or a source
  with kind and license;
- an entity with an unknown label, offsets outside title + " " + abstract, text that is not
  text[start:end], text with leading or trailing whitespace, or entities not sorted by start
  or overlapping;
- negated/hedged not booleans, a true flag without its cue (negation_cue, hedge_cue), a cue
  on a false flag, or a cue whose start, end and text do not match the document.

Then two review lists, over all files together (case-insensitive, whole words only):

- UNANNOTATED: every string annotated somewhere that also occurs, outside every entity,
  elsewhere (such an occurrence is a missed mention or a deliberate exception allowed by
  corpora/gold/GUIDELINES.md);
- LABELS: every string annotated with more than one label.

Exit code 1 if there is any error; the review lists alone are not errors. Needs the
pipeline's knowledge-base module only (its labels), not spaCy.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from pipeline.kb import LABELS

CUES = (("negated", "negation_cue"), ("hedged", "hedge_cue"))


def jsonl_files(paths: list[str]) -> list[Path]:
    """The .jsonl files under the given folders, or the given files themselves, sorted."""
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.jsonl")))
        elif path.is_file():
            files.append(path)
        else:
            print(f"note: {path} does not exist, skipped", file=sys.stderr)
    return files


def document_text(record: dict) -> str:
    """The string the offsets point into: title + " " + abstract (abstract alone if no title)."""
    title = record.get("title") or ""
    return f"{title} {record['abstract']}" if title else record["abstract"]


def check_cue(entity: dict, flag: str, key: str, text: str) -> str | None:
    """The problem with one flag of an entity and its cue, or None."""
    value = entity.get(flag)
    if not isinstance(value, bool):
        return f"{flag} must be true or false"
    cue = entity.get(key)
    if not value:
        return f"{key} on an entity that is not {flag}" if cue else None
    if not isinstance(cue, dict) or not {"start", "end", "text"} <= cue.keys():
        return f"{flag} without a {key} (start, end, text)"
    start, end = cue["start"], cue["end"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return f"{key} offsets {start}-{end} out of range"
    if text[start:end] != cue["text"]:
        return f"{key} {cue['text']!r} is not the text at {start}-{end} ({text[start:end]!r})"
    return None


def check_entity(entity: dict, text: str) -> list[str]:
    """The problems of one entity (offsets, label, text, flags and cues)."""
    problems = []
    start, end, surface = entity.get("start"), entity.get("end"), entity.get("text")
    if entity.get("label") not in LABELS:
        problems.append(f"unknown label {entity.get('label')!r}")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        return problems + [f"offsets {start}-{end} out of range"]
    if text[start:end] != surface:
        problems.append(f"text {surface!r} is not the text at {start}-{end} ({text[start:end]!r})")
    elif surface != surface.strip():
        problems.append(f"text {surface!r} has leading or trailing whitespace")
    for flag, key in CUES:
        problem = check_cue(entity, flag, key, text)
        if problem:
            problems.append(problem)
    return [f"entity {surface!r} at {start}: {p}" for p in problems]


def check_record(record: dict) -> list[str]:
    """The problems of one record: fields, source, every entity, order and overlaps."""
    if not isinstance(record.get("id"), str) or not record["id"]:
        return ["record without an id"]
    if not isinstance(record.get("abstract"), str) or not isinstance(record.get("title", ""), str):
        return ["title and abstract must be strings"]
    if not isinstance(record.get("entities"), list):
        return ["record without an entities list"]
    problems = []
    source = record.get("source")
    if not isinstance(source, dict) or not source.get("kind") or not source.get("license"):
        problems.append("source must give kind and license")
    text = document_text(record)
    for entity in record["entities"]:
        problems.extend(check_entity(entity, text))
    spans = [(e.get("start"), e.get("end"), e.get("text")) for e in record["entities"]]
    for (s1, e1, t1), (s2, _, t2) in zip(spans, spans[1:]):
        if isinstance(s1, int) and isinstance(s2, int) and isinstance(e1, int):
            if s2 < s1:
                problems.append(f"entities not sorted by start: {t2!r} after {t1!r}")
            elif s2 < e1:
                problems.append(f"entities overlap: {t1!r} and {t2!r}")
    return problems


def read_records(files: list[Path]) -> tuple[list[tuple[str, dict]], list[str]]:
    """Every well-formed record with its 'file:line' place, and the format errors."""
    records, errors, seen = [], [], {}
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            place = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                errors.append(f"{place}: not JSON ({err.msg})")
                continue
            if not isinstance(record, dict):
                errors.append(f"{place}: not a JSON object")
                continue
            problems = check_record(record)
            key = record.get("id")
            if isinstance(key, str) and key in seen:
                problems.append(f"id already used at {seen[key]}")
            elif isinstance(key, str):
                seen[key] = place
            errors.extend(f"{place}: {key or '?'}: {p}" for p in problems)
            if not problems:
                records.append((place, record))
    return records, errors


def unannotated_occurrences(records: list[tuple[str, dict]]) -> dict[str, list[str]]:
    """For each annotated string (lower case), its occurrences that no entity covers."""
    annotated = {e["text"].lower() for _, r in records for e in r["entities"]}
    hits: dict[str, list[str]] = defaultdict(list)
    for place, record in records:
        text = document_text(record)
        spans = [(e["start"], e["end"]) for e in record["entities"]]
        lower = text.lower()
        for string in annotated:
            for match in re.finditer(r"(?<!\w)" + re.escape(string) + r"(?!\w)", lower):
                if not any(s <= match.start() and match.end() <= e for s, e in spans):
                    context = text[max(0, match.start() - 30):match.end() + 30].replace("\n", " ")
                    hits[string].append(f"{place} {record['id']} @{match.start()}: ...{context}...")
    return hits


def label_conflicts(records: list[tuple[str, dict]]) -> dict[str, dict[str, int]]:
    """Strings (lower case) annotated with more than one label, with the count of each label."""
    labels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, record in records:
        for entity in record["entities"]:
            labels[entity["text"].lower()][entity["label"]] += 1
    return {s: dict(c) for s, c in labels.items() if len(c) > 1}


def main(argv: list[str]) -> int:
    """Check the files, print errors and review lists; 1 if any error, else 0."""
    if not argv:
        print("usage: " + __doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    files = jsonl_files(argv)
    records, errors = read_records(files)
    for error in errors:
        print(f"error: {error}")
    hits = unannotated_occurrences(records)
    print(f"\nUNANNOTATED: {len(hits)} annotated strings also occur outside every entity")
    for string in sorted(hits):
        print(f"  {string!r} ({len(hits[string])})")
        for hit in hits[string]:
            print(f"    {hit}")
    conflicts = label_conflicts(records)
    print(f"\nLABELS: {len(conflicts)} strings annotated with more than one label")
    for string in sorted(conflicts):
        print(f"  {string!r}: " + ", ".join(f"{label} {n}" for label, n in sorted(conflicts[string].items())))
    count = sum(len(r["entities"]) for _, r in records)
    print(f"\n{len(files)} files, {len(records)} records, {count} entities, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
