"""Convert gold abstracts between inline markup (for annotating by hand) and the gold JSONL.

Markup, in the title and abstract of each JSON line:

    [[surface|LABEL]]              an entity
    [[surface|LABEL|N=n1]]         an entity negated by cue n1
    [[surface|LABEL|H=h1]]         an entity hedged by cue h1 (both: |N=n1|H=h1)
    {{surface|n1}}                 a negation cue (ids start with n) or hedge cue (h)

    .venv/bin/python scripts/gold_markup.py to-jsonl marked.jsonl corpora/gold/dev/written.jsonl
    .venv/bin/python scripts/gold_markup.py to-markup corpora/gold/dev/written.jsonl marked.jsonl

to-jsonl checks every entity against corpora/gold/GUIDELINES.md's format: known label,
no overlap, every cue referenced exists and is of the right kind. Offsets are into
title + " " + abstract. Other fields of a line (id, source) are kept as they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from pipeline.kb import LABELS

MARK = re.compile(r"\[\[([^\[\]|]+)\|([A-Z_]+)((?:\|[NH]=[a-z]\w*)*)\]\]|\{\{([^{}|]+)\|([nh]\w*)\}\}")


def _strip(marked: str, offset: int) -> tuple[str, list[dict], dict[str, dict]]:
    """Plain text of a marked-up field, its entities and its cues (offsets shifted by `offset`)."""
    plain, entities, cues, last = [], [], {}, 0
    length = 0
    for match in MARK.finditer(marked):
        plain.append(marked[last:match.start()])
        length += match.start() - last
        surface = match.group(1) or match.group(4)
        start = offset + length
        if match.group(1):
            refs = dict(ref.split("=") for ref in match.group(3).split("|") if ref)
            entities.append({"start": start, "end": start + len(surface), "label": match.group(2), "text": surface, "refs": refs})
        else:
            cue_id = match.group(5)
            if cue_id in cues:
                raise ValueError(f"cue id {cue_id!r} used twice")
            cues[cue_id] = {"start": start, "end": start + len(surface), "text": surface}
        plain.append(surface)
        length += len(surface)
        last = match.end()
    plain.append(marked[last:])
    text = "".join(plain)
    if "[[" in text or "{{" in text or "]]" in text or "}}" in text:
        raise ValueError(f"unparsed markup near {text[max(0, text.find('[[')) :][:60]!r}")
    return text, entities, cues


def to_jsonl_record(marked: dict) -> dict:
    """A gold record (entities with offsets and flags) from a marked-up record."""
    title, title_entities, title_cues = _strip(marked.get("title", ""), 0)
    abstract, abstract_entities, abstract_cues = _strip(marked["abstract"], len(title) + 1 if title else 0)
    if set(title_cues) & set(abstract_cues):
        raise ValueError("a cue id is used in both title and abstract")
    cues = {**title_cues, **abstract_cues}
    text = f"{title} {abstract}" if title else abstract
    entities = []
    for entity in title_entities + abstract_entities:
        if entity["label"] not in LABELS:
            raise ValueError(f"unknown label {entity['label']!r} on {entity['text']!r}")
        refs = entity.pop("refs")
        for kind, cue_id in refs.items():
            if cue_id not in cues or cue_id[0] != kind.lower():
                raise ValueError(f"{entity['text']!r}: no {'negation' if kind == 'N' else 'hedge'} cue {cue_id!r}")
        entity["negated"] = "N" in refs
        entity["hedged"] = "H" in refs
        if "N" in refs:
            entity["negation_cue"] = cues[refs["N"]]
        if "H" in refs:
            entity["hedge_cue"] = cues[refs["H"]]
        assert text[entity["start"]:entity["end"]] == entity["text"]
        entities.append(entity)
    entities.sort(key=lambda e: e["start"])
    for a, b in zip(entities, entities[1:]):
        if b["start"] < a["end"]:
            raise ValueError(f"entities overlap: {a['text']!r} and {b['text']!r}")
    return {**{k: v for k, v in marked.items() if k not in ("title", "abstract")}, "title": title, "abstract": abstract, "entities": entities}


def to_markup_record(record: dict) -> dict:
    """The marked-up form of a gold record (the inverse of to_jsonl_record)."""
    title = record.get("title", "")
    text = f"{title} {record['abstract']}" if title else record["abstract"]
    inserts: list[tuple[int, int, str]] = []  # (start, end, replacement)
    cue_ids: dict[tuple[str, int, int], str] = {}
    for entity in record["entities"]:
        refs = ""
        for kind, key in (("N", "negation_cue"), ("H", "hedge_cue")):
            if entity.get(key):
                cue = entity[key]
                slot = (kind, cue["start"], cue["end"])
                if slot not in cue_ids:
                    cue_ids[slot] = f"{kind.lower()}{sum(1 for k in cue_ids if k[0] == kind) + 1}"
                refs += f"|{kind}={cue_ids[slot]}"
        inserts.append((entity["start"], entity["end"], f"[[{entity['text']}|{entity['label']}{refs}]]"))
    for (kind, start, end), cue_id in cue_ids.items():
        inserts.append((start, end, f"{{{{{text[start:end]}|{cue_id}}}}}"))
    inserts.sort()
    pieces, last = [], 0
    for start, end, replacement in inserts:
        pieces.append(text[last:start])
        pieces.append(replacement)
        last = end
    pieces.append(text[last:])
    marked = "".join(pieces)
    if title:
        cut = marked.index(" ", _marked_position(inserts, len(title)))
        marked_title, marked_abstract = marked[:cut], marked[cut + 1:]
    else:
        marked_title, marked_abstract = "", marked
    return {**{k: v for k, v in record.items() if k not in ("title", "abstract", "entities")},
            "title": marked_title, "abstract": marked_abstract}


def _marked_position(inserts: list[tuple[int, int, str]], plain: int) -> int:
    """The position in the marked-up text of plain-text offset `plain` (outside any mark)."""
    shift = sum(len(r) - (e - s) for s, e, r in inserts if e <= plain)
    return plain + shift


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("direction", choices=["to-jsonl", "to-markup"])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args(argv)
    convert = to_jsonl_record if args.direction == "to-jsonl" else to_markup_record
    out = []
    for number, line in enumerate(args.source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(json.dumps(convert(json.loads(line)), ensure_ascii=False))
        except (ValueError, KeyError, AssertionError) as err:
            print(f"{args.source}:line {number}: {err}", file=sys.stderr)
            return 1
    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
