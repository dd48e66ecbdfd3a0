"""The project's gold corpus (corpora/gold/gold.jsonl): JSON Lines with entity offsets.

One object per line: id, title, abstract and entities [{start, end, label, text}],
offsets into title + " " + abstract (see corpora/gold/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.errors import InputError
from pipeline.evaluate.corpus import GoldDocument, GoldEntity, gold_document
from pipeline.kb import LABELS

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "corpora" / "gold" / "gold.jsonl"


def read_gold(path: str | Path = DEFAULT_GOLD) -> Iterator[GoldDocument]:
    """Yield each annotated abstract; a line that breaks the format raises InputError."""
    source = str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
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
            entities = []
            for e in obj["entities"]:
                if e["label"] not in LABELS:
                    raise ValueError(f"unknown label {e['label']!r}")
                if text[e["start"]:e["end"]] != e["text"]:
                    raise ValueError(f"entity {e['text']!r} does not match the text at {e['start']}-{e['end']}")
                entities.append(GoldEntity(e["start"], e["end"], e["label"]))
        except json.JSONDecodeError as err:
            raise InputError(source, position, f"not JSON: {err.msg} at column {err.colno}") from None
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(source, position, f"malformed gold record: {err}") from None
        yield gold_document(source, position, str(obj["id"]), title, abstract, entities)
