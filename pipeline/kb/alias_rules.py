"""Ambiguity rules for aliases (models/kb/alias_rules.tsv).

Each row names an alias (compared by its normal form, as the matcher compares text)
and a rule:

- ``never``: the alias is not matched (for `concept_id` only, or for every concept
  when it is empty). This prunes noisy synonyms of derived files without editing them.
- ``prefer``: where several concepts share the alias, it means `concept_id`.
- ``context``: the alias is matched only in a sentence that also contains one of the
  `context` words (``|``-separated), e.g. "tolerance" only near opioid|morphine|drug.
- ``not_after``: the alias is not matched right after one of the `context` words, or
  right after a mention of one of the labels named there (``noradrenergic|neuronal|
  BRAIN_REGION``: "LC hyperactivity" is neuronal firing, not the behavioural sign).
- ``noun_only``: the alias is matched only as a noun, not as a modifier of the word after
  it ("opioids", "an opioid", but not "opioid therapy": the guidelines annotate drug
  classes only where they denote the substances);
- ``block``: the alias is a phrase that no mention may overlap ("paw withdrawal
  latency" is a reflex measure, "oxidative stress" not psychological stress);
  `concept_id` stays empty.

Short forms that are ambiguous are handled in the concept rows themselves
(abbreviations_if_defined: matched only where the document defines them).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import KnowledgeBaseError

RULES = ("never", "prefer", "context", "not_after", "noun_only", "block")
COLUMNS = ("alias", "rule", "concept_id", "context", "note")


@dataclass(frozen=True)
class AliasRule:
    """One ambiguity rule: the alias, the rule, the concept it concerns, context words."""

    alias: str
    rule: str
    concept_id: str = ""
    context: tuple[str, ...] = ()
    note: str = ""
    origin: str = ""


def read_alias_rules(path: str | Path) -> list[AliasRule]:
    """Read the alias rules file; a missing file means no rules."""
    path = Path(path)
    if not path.exists():
        return []
    rules = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise KnowledgeBaseError(f"{path}:1: header must be {' '.join(COLUMNS)} (tab-separated)")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row or None in row.values():
                raise KnowledgeBaseError(f"{where}: expected {len(COLUMNS)} tab-separated columns")
            rule = AliasRule(
                row["alias"].strip(), row["rule"].strip(), row["concept_id"].strip(),
                tuple(w.strip() for w in row["context"].split("|") if w.strip()), row["note"].strip(), where,
            )
            if not rule.alias or rule.rule not in RULES:
                raise KnowledgeBaseError(f"{where}: need an alias and a rule, one of {', '.join(RULES)}")
            if rule.rule == "prefer" and not rule.concept_id:
                raise KnowledgeBaseError(f"{where}: a 'prefer' rule names the concept_id the alias means")
            if rule.rule in ("context", "not_after") and not rule.context:
                raise KnowledgeBaseError(f"{where}: a '{rule.rule}' rule lists its context words")
            if rule.rule == "block" and rule.concept_id:
                raise KnowledgeBaseError(f"{where}: a 'block' rule blocks a phrase for every concept: leave concept_id empty")
            rules.append(rule)
    return rules
