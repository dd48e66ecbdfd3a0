"""False positives of the knowledge base on text outside neuroscience.

AnatEM annotates every anatomical mention of its documents (general and cancer
anatomy). A document none of whose mentions names a part of the nervous system (see
anatem.anatem_label) mentions no brain region, so every BRAIN_REGION or NEURAL_SYSTEM
the pipeline finds there is a false positive. Mentions of the other labels are counted
and listed for review: a drug or a symptom in a cancer abstract may well be right.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from spacy.language import Language

from pipeline.evaluate.anatem import read_anatem

NEURAL_LABELS = ("BRAIN_REGION", "NEURAL_SYSTEM")


def anatem_false_positives(nlp: Language, anatem_dir: str | Path, split: str = "test", top: int = 25) -> dict:
    """Concept mentions found in the AnatEM documents that mention no part of the nervous system."""
    documents = [d for d in read_anatem(anatem_dir, split) if not d.entities]
    words = sum(len(d.record.text.split()) for d in documents)
    found: dict[str, Counter] = {}
    for document, doc in zip(documents, nlp.pipe(d.record.text for d in documents)):
        for ent in doc.ents:
            found.setdefault(ent.label_, Counter())[ent.text] += 1
    false_positives = sum(sum(found.get(label, Counter()).values()) for label in NEURAL_LABELS)
    return {
        "corpus": f"AnatEM {split}, documents with no nervous-system mention",
        "documents": len(documents),
        "words": words,
        "false_positives": false_positives,
        "false_positives_per_1000_words": round(1000 * false_positives / words, 3) if words else 0.0,
        "by_label": {label: sum(counts.values()) for label, counts in sorted(found.items())},
        "top": {label: counts.most_common(top) for label, counts in sorted(found.items())},
    }


def render_markdown(result: dict, command: str) -> str:
    """The report as Markdown."""
    lines = [
        "# Knowledge-base false positives outside neuroscience", "",
        f"Regenerate with `{command}`.", "",
        f"{result['corpus']}: {result['documents']} documents, {result['words']} words.", "",
        f"- BRAIN_REGION and NEURAL_SYSTEM mentions found (all false positives): **{result['false_positives']}**"
        f" ({result['false_positives_per_1000_words']} per 1,000 words)",
        "", "| label | mentions | most frequent (count) |", "|---|---|---|",
    ]
    for label, count in result["by_label"].items():
        examples = ", ".join(f"{text} ({n})" for text, n in result["top"][label][:12])
        lines.append(f"| {label} | {count} | {examples} |")
    lines += ["", "Only BRAIN_REGION and NEURAL_SYSTEM mentions are false by construction; the other labels "
              "are listed for review (a drug or a symptom in a cancer abstract may be right).", ""]
    return "\n".join(lines)
