"""concept_context: negation and hedging by ConText-style rules (pipeline/annotate/context.py),
on sentences written for these tests. Mentions are marked [like this] and set as the
Doc's entities, so that each test is about the context rules alone."""

from __future__ import annotations

import re

import pytest
import spacy

from pipeline.annotate.context import EmptyTrigger, UnknownList
from pipeline.annotate.nlp import TOKENIZER

MENTION = re.compile(r"\[([^\]]+)\]")


@pytest.fixture(scope="module")
def context_nlp():
    """The project's tokenizer and sentencizer, and concept_context."""
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe("pysbd_rule_sentencizer")
    nlp.add_pipe("concept_context")
    return nlp


def flagged(nlp, marked: str):
    """The Doc of a marked sentence, its mentions as entities, after concept_context."""
    spans, pieces, last, length = [], [], 0, 0
    for match in MENTION.finditer(marked):
        pieces.append(marked[last:match.start()])
        length += match.start() - last
        spans.append((length, length + len(match.group(1))))
        pieces.append(match.group(1))
        length += len(match.group(1))
        last = match.end()
    pieces.append(marked[last:])
    doc = nlp.get_pipe("pysbd_rule_sentencizer")(nlp.make_doc("".join(pieces)))
    doc.ents = [doc.char_span(start, end, "X") for start, end in spans]
    return nlp.get_pipe("concept_context")(doc)


def negated(nlp, marked: str) -> list[str]:
    return [ent.text for ent in flagged(nlp, marked).ents if ent._.negated]


def hedged(nlp, marked: str) -> list[str]:
    return [ent.text for ent in flagged(nlp, marked).ents if ent._.hedged]


# --- failure class 8 of issue 12 -----------------------------------------------------------

def test_but_not_negates_only_what_follows_it(context_nlp):
    assert negated(context_nlp, "Fos rose in the [locus coeruleus] but not in the [dorsal raphe].") == ["dorsal raphe"]
    assert negated(context_nlp, "Yohimbine increased [CRF] but not [NPY] in the [BNST].") == ["NPY"]  # the BNST is shared


def test_a_constituent_negation_ends_at_the_next_comma(context_nlp):
    # "but not X," negates X alone; what follows the comma is asserted
    assert negated(context_nlp, "Repeated, but not single, [morphine] exposure raised [dynorphin] levels.") == []
    assert negated(context_nlp, "Currents grew after 30 days but not after 2 days, reflecting loss of [GluN2B] subunits.") == []
    assert negated(context_nlp, "Ethanol blocked cue-induced but not [yohimbine]-induced seeking, and [naltrexone] did too.") == ["yohimbine"]
    assert negated(context_nlp, "All signs except [ptosis] were reduced by [clonidine].") == ["ptosis"]
    # a shared head and its complement stay affirmed; a contrasted prepositional phrase is negated whole
    assert negated(context_nlp, "[Varenicline] eased somatic but not affective signs of [nicotine] [withdrawal].") == []
    assert negated(context_nlp, "Fos rose in cells projecting to the [NAc shell] but not in those projecting to the "
                                "[NAc core] or to the [PL].") == ["NAc core", "PL"]


def test_a_clause_after_but_is_not_negated(context_nlp):
    assert negated(context_nlp, "[Ketamine] did not alter [glutamate], but increased [BDNF] in the [mPFC].") == ["glutamate"]
    assert negated(context_nlp, "[Lofexidine] did not reduce [diarrhea]; it reduced [tremor].") == ["diarrhea"]


@pytest.mark.parametrize("marked", [
    "[Buprenorphine] reduced [craving] no sooner than day 3.",
    "[Naloxone] not only precipitated [jumping] but also [ptosis].",
    "Patients given non-opiate treatment (NOT) and [methadone] reported less [craving].",
    "NOT reduced [anxiety] in [veterans].",
    "NO synthase in the [cerebellum] and [glutamate] were measured.",
    "We asked whether or not [nicotine] alters [anxiety].",
    "Relapse was no less than in the [morphine] group, not unlike [heroin] users.",
    "[Withdrawal] was precipitated with and without [clonidine] in the [LC].",
    "Rats with or without [morphine] pretreatment showed [jumping].",
])
def test_pseudo_triggers_and_acronyms_are_not_negation_cues(context_nlp, marked):
    assert negated(context_nlp, marked) == []


# --- directions --------------------------------------------------------------------------

def test_the_agent_of_a_negated_action_is_not_negated(context_nlp):
    assert negated(context_nlp, "[Guanfacine] did not reduce [yawning] or [lacrimation].") == ["yawning", "lacrimation"]
    assert negated(context_nlp, "[Diazepam] failed to block [freezing].") == ["freezing"]
    assert negated(context_nlp, "[Propranolol] had no effect on [tachycardia].") == ["tachycardia"]


def test_a_predicate_without_an_object_negates_its_subject(context_nlp):
    assert negated(context_nlp, "[Haloperidol] given for 3 days had no significant effect.") == ["Haloperidol"]
    assert negated(context_nlp, "Lesions of the [CeA] reduced freezing, whereas lesions of the [BNST] did not.") == ["BNST"]
    assert negated(context_nlp, "[Hyperphagia] failed to develop in these rats.") == ["Hyperphagia"]
    assert negated(context_nlp, "[Fos] could not be detected at this age.") == ["Fos"]
    # a verb with an object that is no concept: the subject is still the agent
    assert negated(context_nlp, "Activity of the [HPA axis] does not predict resilience.") == []


def test_cues_after_the_mention_negate_back_to_the_clause_start(context_nlp):
    assert negated(context_nlp, "[Orexin], [MCH] and [NPY] levels in the [LH] were unchanged.") == ["Orexin", "MCH", "NPY", "LH"]
    assert negated(context_nlp, "[Dopamine] rose, whereas [serotonin] was unaffected.") == ["serotonin"]
    assert negated(context_nlp, "Infusion into the [vHPC] was without effect.") == ["vHPC"]
    assert negated(context_nlp, "[Guanfacine] was ineffective.") == ["Guanfacine"]
    assert negated(context_nlp, "[Tremor] was no longer observed on day 5.") == ["Tremor"]


def test_passives_and_symmetric_predicates_negate_both_sides(context_nlp):
    assert negated(context_nlp, "[Prolactin] was not increased in the [arcuate nucleus].") == ["Prolactin", "arcuate nucleus"]
    assert negated(context_nlp, "[Anhedonia] did not correlate with [5-HT1A] binding.") == ["Anhedonia", "5-HT1A"]


def test_commas_do_not_end_a_negation(context_nlp):
    assert negated(context_nlp, "[Varenicline] did not change [craving], [irritability] or [insomnia].") == [
        "craving", "irritability", "insomnia"]


def test_an_adjunct_negation_never_negates_the_clause_before_it(context_nlp):
    assert negated(context_nlp, "Rats in [withdrawal] showed [hyperalgesia] without changes in locomotion.") == []
    assert negated(context_nlp, "[Ketamine] reduced [immobility] without affecting [anxiety].") == ["anxiety"]


def test_statements_about_knowledge_are_not_negations(context_nlp):
    assert negated(context_nlp, "The role of the [claustrum] in [addiction] is not yet fully understood.") == []
    assert negated(context_nlp, "How [nicotine] alters the [MHb] has not been studied.") == []
    assert negated(context_nlp, "[Serotonin] did not differ when [fluoxetine] was given.") == ["Serotonin"]


# --- scope limits ------------------------------------------------------------------------

def test_circumstances_and_agents_after_the_cue_are_not_negated(context_nlp):
    assert negated(context_nlp, "[Dynorphin] knockout rats did not relapse after [footshock].") == []
    assert negated(context_nlp, "[Memantine] did not reduce [craving] after [cocaine] or [heroin] in [veterans].") == ["craving", "veterans"]
    assert negated(context_nlp, "[Oxytocin] did not rise during [withdrawal] in the [PVN].") == ["PVN"]
    assert negated(context_nlp, "[ACTH] was not suppressed by [dexamethasone].") == ["ACTH"]


def test_a_backward_cue_stops_at_a_new_clause_or_predicate(context_nlp):
    assert negated(context_nlp, "[Morphine] raised [cAMP], and [PKA] activity was unchanged.") == ["PKA"]
    assert negated(context_nlp, "[Tremor] decreased after [clonidine] and was unchanged after [saline].") == []
    assert negated(context_nlp, "While [NPY] rose, [MCH] and [orexin] were unchanged.") == ["MCH", "orexin"]


def test_a_negation_stays_in_its_relative_clause_and_a_hedge_does_not(context_nlp):
    marked = "These data suggest that [lofexidine] suits patients who cannot take [methadone] or who refuse [naltrexone]."
    assert negated(context_nlp, marked) == ["methadone"]
    assert hedged(context_nlp, marked) == ["lofexidine", "methadone", "naltrexone"]
    assert negated(context_nlp, "[Clonidine] did not reduce [anxiety] in patients who used [heroin].") == ["anxiety"]


def test_triggers_inside_a_mention_are_ignored(context_nlp):
    assert negated(context_nlp, "[No-reward frustration] increased [corticosterone].") == []


# --- hedging -----------------------------------------------------------------------------

def test_modals_hedge_both_sides_and_reporting_verbs_only_what_they_report(context_nlp):
    assert hedged(context_nlp, "The [BNST] may mediate [anxiety] after [withdrawal].") == ["BNST", "anxiety", "withdrawal"]
    assert hedged(context_nlp, "Changes in the [NAc] suggest that [ΔFosB] drives [relapse].") == ["ΔFosB", "relapse"]
    assert hedged(context_nlp, "[Cortisol] rose, suggesting activation of the [HPA axis].") == ["HPA axis"]
    assert hedged(context_nlp, "These data support a model in which the [LHb] drives [aversion].") == ["LHb", "aversion"]


def test_a_hedge_in_a_relative_clause_or_a_second_predicate_stays_there(context_nlp):
    assert hedged(context_nlp, "Loss of [BDNF], a change that may underlie [relapse], was seen.") == ["relapse"]
    assert hedged(context_nlp, "[Anhedonia] is common in [MDD] and may predict [suicide].") == ["suicide"]
    assert hedged(context_nlp, "[Dopamine] rose; [serotonin] might also rise.") == ["serotonin"]


def test_reported_hypotheses_hedge_their_subject_and_questions_hedge_everything(context_nlp):
    assert hedged(context_nlp, "[Dynorphin] has been proposed to drive [dysphoria], and the [NAc] is central to reward.") == [
        "Dynorphin", "dysphoria"]
    assert hedged(context_nlp, "Does the [insula] encode [craving]? We recorded [neurons].") == ["insula", "craving"]
    assert hedged(context_nlp, "We tested if [oxytocin] reduces [relapse].") == ["oxytocin", "relapse"]
    assert hedged(context_nlp, "[Varenicline] users were less likely to relapse than [bupropion] users.") == []


def test_a_mention_can_be_negated_and_hedged_with_both_cues(context_nlp):
    doc = flagged(context_nlp, "[Naltrexone] may not reduce [craving] in [women].")
    text = doc.text
    by_text = {ent.text: ent._ for ent in doc.ents}
    assert (by_text["craving"].negated, by_text["craving"].hedged) == (True, True)
    assert text[slice(*by_text["craving"].negation_cue)] == "not" and text[slice(*by_text["craving"].hedge_cue)] == "may"
    assert by_text["Naltrexone"].hedged and not by_text["Naltrexone"].negated
    assert by_text["Naltrexone"].negation_cue is None


# --- configuration -----------------------------------------------------------------------

def test_trigger_lists_come_from_the_config():
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe("pysbd_rule_sentencizer")
    nlp.add_pipe("concept_context", config={"triggers": {"hedge": ["arguably"]}})
    assert hedged(nlp, "The [LC] arguably drives [arousal].") == ["LC", "arousal"]
    assert hedged(nlp, "The [LC] may drive [arousal].") == []
    assert negated(nlp, "The [LC] did not drive [arousal].") == ["arousal"]  # the other lists keep their defaults
    assert nlp.config["components"]["concept_context"]["triggers"]["hedge"] == ["arguably"]
    with pytest.raises(EmptyTrigger, match=r"an empty entry in its triggers.negation_predicate list"):
        spacy.blank("en").add_pipe("concept_context", config={"triggers": {"negation_predicate": ["not", " "]}})
    with pytest.raises(UnknownList, match=r"no words list \['circumstance'\]"):
        spacy.blank("en").add_pipe("concept_context", config={"words": {"circumstance": ["after"]}})


def test_the_whole_pipeline_flags_its_own_mentions(nlp):
    doc = nlp("Clonidine did not alter jumping, but reduced ptosis. Patients on non-opiate treatment (NOT) "
              "reported less craving, and the amygdala may be involved.")
    flags = {ent.text: (ent._.negated, ent._.hedged) for ent in doc.ents}
    assert flags["jumping"] == (True, False) and flags["Clonidine"] == (False, False) and flags["ptosis"] == (False, False)
    assert flags["craving"] == (False, False) and flags["amygdala"] == (False, True)
