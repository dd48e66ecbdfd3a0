"""Write the evaluation results as reports/eval.json and a readable reports/eval.md."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.evaluate.negation import END_TO_END, GOLD_MENTIONS
from pipeline.files.atomic import atomic_open

EVAL_JSON = "eval.json"
EVAL_MD = "eval.md"
COMMAND = "make eval  (= .venv/bin/neuroconcepts eval --out reports)"
CONTEXT_ERRORS = 10  # negation and hedging errors listed in eval.md
METRICS = ("strict_p", "strict_r", "strict_f1", "lenient_p", "lenient_r", "lenient_f1")

SCORING_NOTE = """\
Strict: a predicted span counts only if its start, end and label equal a gold span's.
Lenient: a predicted span counts if it overlaps a gold span of the same label
(precision), and a gold span is found if a predicted span of the same label overlaps
it (recall). ALL is the micro average over the corpus's labels. Only the labels a
corpus annotates are scored on it; predictions of other labels are ignored there."""


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _scores_table(modes: dict) -> list[str]:
    lines = [
        "| mode | label | gold | predicted | strict P | strict R | strict F1 | lenient P | lenient R | lenient F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, labels in modes.items():
        for label, s in labels.items():
            lines.append(f"| {mode} | {label} | {s['gold']} | {s['predicted']} | " + " | ".join(f"{s[m]:.3f}" for m in METRICS) + " |")
    return lines


def _errors(errors: dict) -> list[str]:
    lines = []
    for kind in ("missed", "spurious"):
        items = ", ".join(f"{text} ×{n}" for text, n in errors[kind]) or "none"
        lines.append(f"- {kind}: {items}")
    return lines


def render_markdown(results: dict) -> str:
    """The results as Markdown: one scores table per corpus, the commonest errors, linking."""
    lines = ["# Evaluation of the extraction stage", "", f"Regenerate with `{COMMAND}`.", ""]
    lines += [f"- {key}: {value}" for key, value in results.get("pipeline", {}).items()]
    lines += ["", SCORING_NOTE, ""]
    for corpus in results["corpora"].values():
        lines += [f"## {corpus['description']}", ""]
        if "skipped" in corpus:
            lines += [f"Skipped: {corpus['skipped']}.", ""]
            continue
        lines += [f"{corpus['documents']} documents, {corpus['gold_mentions']} gold mentions.", ""]
        lines += _scores_table(corpus["modes"]) + [""]
        mode = "combined" if "combined" in corpus["errors"] else "lexicon"
        lines += [f"Commonest strict errors ({mode}):", ""] + _errors(corpus["errors"][mode]) + [""]
        if "context" in corpus:
            lines += _context(corpus["context"])
    if "linking" in results:
        lines += _linking(results["linking"])
    return "\n".join(lines).rstrip() + "\n"


def _context(context: dict) -> list[str]:
    """Negation and hedging per mention (pipeline/evaluate/negation.py): both settings, then some errors."""
    lines = [
        f"Negation and hedging, per mention ({context['documents']} documents with flags): on the gold mentions "
        "(the gold spans as entities, the context component alone) and end to end (the pipeline's "
        "mentions that equal a gold mention). Cue: share of the mentions flagged by both whose cue overlaps the gold cue.", "",
        "| setting | flag | mentions | gold | predicted | P | R | F1 | cue |", "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for setting, name in ((GOLD_MENTIONS, "gold mentions"), (END_TO_END, "end to end")):
        for flag, s in context[setting].items():
            lines.append(f"| {name} | {flag} | {s['mentions']} | {s['gold']} | {s['predicted']} | "
                         f"{s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['cue_accuracy']:.3f} |")
    errors = context["errors"]
    lines += ["", f"Errors on the gold mentions ({len(errors)}; the first {min(len(errors), CONTEXT_ERRORS)}, all in {EVAL_JSON}):", ""]
    lines += [f"- {e['doc_id']} {e['flag']} {e['kind']}: {e['mention']!r} (cue {e['cue']!r}): {e['sentence']}" for e in errors[:CONTEXT_ERRORS]]
    return lines + [""]


def _linking(linking: dict) -> list[str]:
    lines = [
        "## Linking (NER spans the lexicon did not map)", "",
        f"Held-out synonyms: {linking['held_out']} synonyms of {linking['concepts']} concepts, each taken out of the",
        "knowledge base before the linker's index is built, then linked with its concept's type",
        "(pipeline/evaluate/linking.py). Linked: share whose best candidate reaches the threshold;",
        "precision: share of those that go to the right concept.", "",
        f"Top-1 accuracy (no threshold): {linking['top1_accuracy']:.3f}. The pipeline's threshold: {linking['threshold']:.2f}.", "",
        "| threshold | linked | precision | correct of all |", "|---:|---:|---:|---:|",
    ]
    for threshold, row in linking["by_threshold"].items():
        lines.append(f"| {threshold} | {row['linked']:.3f} | {row['precision']:.3f} | {row['correct_of_all']:.3f} |")
    lines += ["", "Some errors (held-out synonym -> linked concept, similarity):", ""]
    lines += [f"- {e['synonym']} ({e['truth']}) -> {e['linked_to'] or 'none'} ({e['similarity']:.2f})" for e in linking["errors"]]
    return lines + [""]


def summary_lines(results: dict) -> list[str]:
    """One line per corpus and mode: strict and lenient F1 over the corpus's labels."""
    lines = []
    for name, corpus in results["corpora"].items():
        if "skipped" in corpus:
            lines.append(f"{name:14} skipped: {corpus['skipped']}")
            continue
        for mode, labels in corpus["modes"].items():
            overall = labels[list(labels)[-1]]
            lines.append(f"{name:14} {mode:24} strict F1 {overall['strict_f1']:.3f}  lenient F1 {overall['lenient_f1']:.3f}")
        for flag, s in corpus.get("context", {}).get(GOLD_MENTIONS, {}).items():
            lines.append(f"{name:14} {flag + ' (gold mentions)':24} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}")
    return lines


def iob_lines(results: dict, path: str) -> list[str]:
    """The scores of `neuroconcepts eval --iob` as a small table."""
    lines = [f"{path}: {results['sentences']} sentences, strict scores", f"{'type':<16}{'P':>8}{'R':>8}{'F1':>8}"]
    for name, row in [*results["types"].items(), ("all", results["all"])]:
        strict = row["strict"]
        lines.append(f"{name:<16}{strict['p']:>8.3f}{strict['r']:>8.3f}{strict['f1']:>8.3f}")
    return lines


def write_report(results: dict, out_dir: str | Path) -> tuple[Path, Path]:
    """Write eval.json (sorted keys, floats to 4 places) and eval.md into out_dir, atomically."""
    out_dir = Path(out_dir)
    results = _rounded(results | {"command": COMMAND})
    with atomic_open(out_dir / EVAL_JSON) as handle:
        json.dump(results, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")
    with atomic_open(out_dir / EVAL_MD) as handle:
        handle.write(render_markdown(results))
    return out_dir / EVAL_JSON, out_dir / EVAL_MD
