"""Strict and lenient precision, recall and F1 per label.

- strict: a predicted span is correct when a gold span has exactly the same start,
  end and label;
- lenient: a predicted span is correct when it overlaps a gold span of the same label
  (precision), and a gold span is found when a predicted span of the same label
  overlaps it (recall). One long prediction over two gold spans finds both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from pipeline.evaluate.corpus import GoldEntity

ALL = "ALL"


def ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator, 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def f1(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall, 0.0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass
class Scores:
    """Counts for one label (or ALL); precision, recall and F1 derive from them."""

    gold: int = 0
    predicted: int = 0
    strict_correct: int = 0       # predicted spans that equal a gold span
    lenient_precise: int = 0      # predicted spans that overlap a gold span
    lenient_found: int = 0        # gold spans that a predicted span overlaps

    def add(self, other: "Scores") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def metrics(self) -> dict[str, float]:
        """strict_p, strict_r, strict_f1, lenient_p, lenient_r, lenient_f1."""
        sp, sr = ratio(self.strict_correct, self.predicted), ratio(self.strict_correct, self.gold)
        lp, lr = ratio(self.lenient_precise, self.predicted), ratio(self.lenient_found, self.gold)
        return {"strict_p": sp, "strict_r": sr, "strict_f1": f1(sp, sr), "lenient_p": lp, "lenient_r": lr, "lenient_f1": f1(lp, lr)}


def _overlaps(span: GoldEntity, others: Sequence[GoldEntity]) -> bool:
    return any(span.start < other.end and other.start < span.end for other in others)


def score_document(gold: Iterable[GoldEntity], predicted: Iterable[GoldEntity], labels: Iterable[str]) -> dict[str, Scores]:
    """Scores of one document for each of `labels`; spans with other labels are ignored."""
    by_label: dict[str, Scores] = {}
    gold, predicted = set(gold), set(predicted)
    for label in labels:
        g = sorted(e for e in gold if e.label == label)
        p = sorted(e for e in predicted if e.label == label)
        by_label[label] = Scores(
            gold=len(g), predicted=len(p), strict_correct=len(set(g) & set(p)),
            lenient_precise=sum(_overlaps(e, g) for e in p), lenient_found=sum(_overlaps(e, p) for e in g),
        )
    return by_label


def score(pairs: Iterable[tuple[Iterable[GoldEntity], Iterable[GoldEntity]]], labels: Sequence[str]) -> dict[str, Scores]:
    """Scores of (gold, predicted) span pairs, one pair per document: per label, then ALL
    (the micro average) when there are several labels."""
    table = {label: Scores() for label in labels}
    for gold, predicted in pairs:
        for label, scores in score_document(gold, predicted, labels).items():
            table[label].add(scores)
    if len(labels) > 1:
        table[ALL] = Scores()
        for label in labels:
            table[ALL].add(table[label])
    return table
