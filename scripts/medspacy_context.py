"""Measure medspaCy's ConText on the gold corpus's negation and hedging flags, beside concept_context.

    .venv/bin/python scripts/medspacy_context.py corpora/gold/dev [--json out.json]

Three components flag the same mentions (pipeline/evaluate/negation.py: on the gold
mentions, and end to end on the pipeline's mentions, with the NER as `neuroconcepts eval`
runs it, or without it with `--no-ner`):

- `medspacy default`: medspaCy's ConText with its own English rules (clinical, from the
  VA); NEGATED_EXISTENCE is `negated`, POSSIBLE_EXISTENCE `hedged`;
- `medspacy, our triggers`: medspaCy's ConText engine with concept_context's trigger lists
  as ConTextRules, as close to the gold conventions as its rules allow: forward, backward
  and bidirectional cues, pseudo triggers, terminations; constituent negations ("but not")
  end at a comma (terminated_by); clause openers ("that") end the scope of backward and
  bidirectional cues; triggers match in lower case but not written in capitals (NOT).
  What its rules cannot say is left out: circumstances ("after stress"), objectless
  predicates ("X had no effect"), "and" before a cue;
- `concept_context`: the pipeline's own component.

medspaCy is not a dependency of neuroconcepts: medspaCy 1.3.1 requires spaCy < 3.8 on
Python 3.11 (the project pins spaCy 3.8). Its context module runs on spaCy 3.8; to measure,
install it and the packages it imports into .venv without their dependency pins:

    .venv/bin/pip install --no-deps medspacy==1.3.1 PyRuSH==1.0.13 PyFastNER==1.0.10 quicksectx==0.4.1 \\
        loguru==0.7.3 jsonschema==4.26.0
    .venv/bin/pip install -c requirements.lock medspacy_quickumls==3.2
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.annotate.nlp import build_nlp
from pipeline.evaluate.gold import read_gold
from pipeline.evaluate.negation import END_TO_END, GOLD_MENTIONS, evaluate_context

NEGATED, HEDGED = "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE"
CONSTITUENT, OPENER, COMMA = "NEGATED_CONSTITUENT", "CLAUSE_OPENER", "COMMA"
FLAG_OF = {NEGATED: "negated", CONSTITUENT: "negated", HEDGED: "hedged"}


def _pattern(phrase: str, tokenizer) -> list[dict]:
    """A token pattern for a trigger phrase: lower case, no token written in capitals."""
    return [{"LOWER": token.lower_, "IS_UPPER": False} if token.is_alpha and len(token) > 1 else {"LOWER": token.lower_}
            for token in tokenizer(phrase)]


def our_rules(nlp: Language) -> list:
    """concept_context's default trigger lists as medspaCy ConTextRules."""
    from medspacy.context import ConTextRule

    config = nlp.get_pipe_config("concept_context")
    backward_ends = {OPENER}
    lists = [  # (config section, list, category, direction, the categories that end its scope)
        ("triggers", "negation_predicate", NEGATED, "FORWARD", set()), ("triggers", "negation_forward", NEGATED, "FORWARD", set()),
        ("triggers", "negation_backward", NEGATED, "BACKWARD", backward_ends),
        ("triggers", "negation_both", NEGATED, "BIDIRECTIONAL", backward_ends),
        ("triggers", "negation_constituent", CONSTITUENT, "FORWARD", {COMMA}),
        ("triggers", "hedge", HEDGED, "BIDIRECTIONAL", backward_ends), ("triggers", "hedge_adverb", HEDGED, "BIDIRECTIONAL", backward_ends),
        ("triggers", "hedge_forward", HEDGED, "FORWARD", set()), ("triggers", "pseudo", "PSEUDO", "PSEUDO", set()),
        ("triggers", "termination", "TERMINATE", "TERMINATE", set()), ("words", "clause_openers", OPENER, "PSEUDO", set()),
    ]
    rules = []
    for section, key, category, direction, ended_by in lists:
        for phrase in config[section][key]:
            rules.append(ConTextRule(phrase, category, pattern=_pattern(phrase, nlp.tokenizer), direction=direction,
                                     terminated_by=ended_by or None))
    rules.append(ConTextRule(",", COMMA, direction="PSEUDO"))
    return rules


def medspacy_component(nlp: Language, rules: str) -> Callable[[Doc], Doc]:
    """medspaCy's ConText with its default rules ("default") or ours ("ours"), setting
    concept_context's extensions (negated, hedged, their cues: the nearest modifier)."""
    from medspacy.context import ConText

    attributes = {NEGATED: {"is_negated": True}, CONSTITUENT: {"is_negated": True}, HEDGED: {"is_uncertain": True}}
    context = ConText(nlp, name="medspacy_context", rules="default" if rules == "default" else None,
                      span_attrs="default" if rules == "default" else attributes)
    if rules == "ours":
        context.add(our_rules(nlp))

    def apply(doc: Doc) -> Doc:
        context(doc)
        for ent in doc.ents:
            nearest: dict[str, tuple[int, tuple[int, int]]] = {}
            for modifier in ent._.modifiers:
                flag = FLAG_OF.get(modifier.category)
                if flag is None:
                    continue
                start, end = modifier.modifier_span
                distance = min(abs(start - ent.end), abs(ent.start - end))
                if flag not in nearest or distance < nearest[flag][0]:
                    nearest[flag] = (distance, (doc[start].idx, doc[end - 1].idx + len(doc[end - 1])))
            for flag, cue in (("negated", "negation_cue"), ("hedged", "hedge_cue")):
                setattr(ent._, flag, flag in nearest)
                setattr(ent._, cue, nearest[flag][1] if flag in nearest else None)
        return doc

    return apply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", type=Path, help="a gold file or folder with negation and hedging flags")
    parser.add_argument("--no-ner", dest="ner", action="store_false", default=None, help="end to end without the NER (lexicon mode)")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON")
    args = parser.parse_args(argv)
    try:
        import medspacy  # noqa: F401
    except ImportError as err:
        print(f"medspacy_context.py: medspaCy is not installed ({err}); see the install line in this script's doc", file=sys.stderr)
        return 1
    nlp = build_nlp(ner=args.ner)
    documents = list(read_gold(args.gold))
    components = {
        "medspacy default": medspacy_component(nlp, "default"),
        "medspacy, our triggers": medspacy_component(nlp, "ours"),
        "concept_context": None,
    }
    results = {}
    print("| component | setting | flag | gold | predicted | P | R | F1 |\n|---|---|---|---:|---:|---:|---:|---:|")
    for name, component in components.items():
        result = evaluate_context(nlp, documents, component)
        results[name] = {setting: result[setting] for setting in (GOLD_MENTIONS, END_TO_END)}
        for setting in (GOLD_MENTIONS, END_TO_END):
            for flag, s in result[setting].items():
                print(f"| {name} | {setting.replace('_', ' ')} | {flag} | {s['gold']} | {s['predicted']} | "
                      f"{s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
