"""Evaluate: measure the extraction stage against gold-annotated corpora.

One reader per corpus format (whitetext.py, anatem.py, gold.py), all yielding
GoldDocument (corpus.py); scoring.py computes strict and lenient precision, recall
and F1 per label; evaluation.py runs the pipeline in each mode (lexicon only, NER
only, combined) over the corpora; report.py writes reports/eval.md and eval.json.
"""

from pipeline.evaluate.corpus import GoldDocument, GoldEntity
from pipeline.evaluate.scoring import Scores, score

__all__ = ["GoldDocument", "GoldEntity", "Scores", "score"]
