"""The project's gold corpus (corpora/gold/): JSON Lines with entity offsets and flags.

One object per line: id, title, abstract and entities [{start, end, label, text}],
offsets into title + " " + abstract (see corpora/gold/README.md). Version 2 of the
guidelines (corpora/gold/GUIDELINES.md, "Negation and hedging") adds to every entity
`negated` and `hedged`, and for each true flag its cue (`negation_cue`, `hedge_cue`:
{start, end, text}); a file of version 1, without flags, still reads (its documents
have no context). A corpus is one file or a folder of .jsonl files, read in name order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.errors import InputError
from pipeline.evaluate.corpus import FLAG_CUES, Cue, GoldDocument, GoldEntity, MentionContext, gold_document
from pipeline.kb import LABELS

GOLD_DIR = Path(__file__).resolve().parents[2] / "corpora" / "gold"
GOLD_DEV, GOLD_TEST = GOLD_DIR / "dev", GOLD_DIR / "test"


def gold_files(path: str | Path) -> list[Path]:
    """The .jsonl files of a corpus: the file itself, or a folder's, in name order."""
    path = Path(path)
    return sorted(path.glob("*.jsonl")) if path.is_dir() else [path]


def read_gold(path: str | Path) -> Iterator[GoldDocument]:
    """Yield each annotated abstract of a gold file or folder; a line that breaks the
    format raises InputError naming the file and line."""
    for file in gold_files(path):
        yield from _read_file(file)


def _read_file(path: Path) -> Iterator[GoldDocument]:
    source = str(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(source, "", f"cannot read the gold corpus: {err}") from None
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        position = f"line {line_number}"
        try:
            obj = json.loads(line)
            title, abstract = obj["title"], obj["abstract"]
            text = f"{title} {abstract}" if title and abstract else title or abstract
            entities, context = [], {}
            for e in obj["entities"]:
                if e["label"] not in LABELS:
                    raise ValueError(f"unknown label {e['label']!r}")
                if text[e["start"]:e["end"]] != e["text"]:
                    raise ValueError(f"entity {e['text']!r} does not match the text at {e['start']}-{e['end']}")
                entity = GoldEntity(e["start"], e["end"], e["label"])
                entities.append(entity)
                if any(flag in e for flag in FLAG_CUES):
                    context[entity] = _mention_context(e, text)
        except json.JSONDecodeError as err:
            raise InputError(source, position, f"not JSON: {err.msg} at column {err.colno}") from None
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(source, position, f"malformed gold record: {err}") from None
        yield gold_document(source, position, str(obj["id"]), title, abstract, entities, context)


def _mention_context(entity: dict, text: str) -> MentionContext:
    """The flags of a version-2 entity and the cue of each true one (checked against the text)."""
    flags, cues = {}, {}
    for flag, cue_key in FLAG_CUES.items():
        value = entity[flag]
        if not isinstance(value, bool):
            raise ValueError(f"entity {entity['text']!r}: {flag} is {value!r}, not true or false")
        flags[flag] = value
        cue = entity.get(cue_key)
        if value != bool(cue):
            raise ValueError(f"entity {entity['text']!r}: {flag} is {str(value).lower()} but it has {'no' if value else 'a'} {cue_key}")
        if cue:
            if text[cue["start"]:cue["end"]] != cue["text"]:
                raise ValueError(f"{cue_key} {cue['text']!r} of {entity['text']!r} does not match the text at {cue['start']}-{cue['end']}")
            cues[cue_key] = Cue(cue["start"], cue["end"], cue["text"])
    return MentionContext(**flags, **cues)
