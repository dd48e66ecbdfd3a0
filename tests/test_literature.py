"""The failure classes of the field's literature (issue 12), each on sentences of its own,
found with the project's knowledge base in lexicon mode (the concept matcher and its rules)."""

from __future__ import annotations

import pytest

from pipeline.annotate.nlp import build_nlp


@pytest.fixture(scope="module")
def lexicon_nlp():
    return build_nlp(ner=False)


def found(nlp, text):
    """(text, label, concept id) of every mention."""
    return [(e.text, e.label_, e.kb_id_) for e in nlp(text).ents]


def concept_of(nlp, text, surface):
    """The concept ids of the mentions written `surface`."""
    return [c for t, _, c in found(nlp, text) if t == surface]


# 1. Punctuation inside names

@pytest.mark.parametrize("dash", ["-", "–", "—", "−"])
def test_every_dash_joins_the_parts_of_a_name(lexicon_nlp, dash):
    text = f"Repeated restraint engaged the hypothalamic{dash}pituitary{dash}adrenal axis in adolescent rats."
    assert ("hypothalamic{0}pituitary{0}adrenal axis".format(dash), "NEURAL_SYSTEM", "NC:hpa_axis") in found(lexicon_nlp, text)


def test_a_short_form_inside_a_name_takes_the_whole_name_and_keeps_it(lexicon_nlp):
    text = ("Early-life adversity programs the hypothalamo–pituitary–adrenal (HPA) axis. "
            "Basal HPA tone was higher in adulthood.")
    mentions = found(lexicon_nlp, text)
    assert ("hypothalamo–pituitary–adrenal", "NEURAL_SYSTEM", "NC:hpa_axis") in mentions
    assert [c for t, _, c in mentions if t == "HPA"] == ["NC:hpa_axis", "NC:hpa_axis"]


def test_a_short_form_in_brackets_inside_a_name(lexicon_nlp):
    text = ("Stress engages the brain and the adrenal glands (that is, the hypothalamo-pituitary-adrenal [HPA] axis). "
            "HPA activity then returns to baseline.")
    mentions = found(lexicon_nlp, text)
    assert ("hypothalamo-pituitary-adrenal", "NEURAL_SYSTEM", "NC:hpa_axis") in mentions
    assert [m for m in mentions if m[0] == "HPA"] == [("HPA", "NEURAL_SYSTEM", "NC:hpa_axis")] * 2


def test_a_short_form_inside_a_name_means_the_first_part_elsewhere(lexicon_nlp):
    text = "We recorded from the nucleus accumbens (NAc) shell; NAc neurons fired in bursts."
    mentions = found(lexicon_nlp, text)
    assert ("nucleus accumbens", "BRAIN_REGION", "UBERON:0012171") in mentions  # the whole name: the shell
    assert [c for t, _, c in mentions if t == "NAc"] == ["UBERON:0012171", "UBERON:0001882"]


def test_slash_joined_names_are_each_found_and_an_interrupted_system_name_is_the_system(lexicon_nlp):
    text = ("Stress recruits the prodynorphin/κ-opioid receptor (KOR) system of the claustrum; "
            "KOR blockade with JDTic prevented the effect.")
    mentions = found(lexicon_nlp, text)
    assert ("prodynorphin", "NEUROCHEMICAL", "NC:prodynorphin") in mentions
    assert [(t, label) for t, label, _ in mentions if t in ("κ-opioid receptor", "KOR")] == [
        ("κ-opioid receptor", "NEURAL_SYSTEM"), ("KOR", "NEURAL_SYSTEM"), ("KOR", "RECEPTOR")]


@pytest.mark.parametrize("written", ["CRF1", "CRF(1)", "CRF-R1", "CRHR1", "CRF1R"])
def test_numbered_receptor_names_in_every_spelling(lexicon_nlp, written):
    text = f"Systemic blockade of {written} receptors reduced escalated drinking."
    assert ("NC:crf1_receptor" in [c for _, _, c in found(lexicon_nlp, text)])


# 2. Coordinated heads

@pytest.mark.parametrize("text, expected", [
    ("Both D3 and D2 receptors were occupied by the ligand.",
     [("D3", "HGNC:3024"), ("D2 receptors", "HGNC:3023")]),
    ("Binding to delta- and mu-opioid receptors was displaced by naltrexone.",
     [("delta", "HGNC:8153"), ("mu-opioid receptors", "HGNC:8156")]),
    ("Cannulae were aimed at the lateral or medial septum.",
     [("lateral", "UBERON:0002667"), ("medial septum", "UBERON:0001877")]),
    ("Fos rose in the core and shell of the nucleus accumbens.",
     [("core", "UBERON:0012170"), ("shell of the nucleus accumbens", "UBERON:0012171")]),
    ("Spines were counted in the nucleus accumbens core and shell.",
     [("nucleus accumbens core", "UBERON:0012170"), ("shell", "UBERON:0012171")]),
    ("Volumes of the dorsal and ventral hippocampus were measured.",
     [("dorsal", "NC:dorsal_hippocampus"), ("ventral hippocampus", "NC:ventral_hippocampus")]),
    ("The density of alpha 2- and beta-adrenoceptors changed during opiate dependence.",
     [("alpha 2", "NC:alpha2_adrenergic_receptor"), ("beta-adrenoceptors", "NC:beta_adrenergic_receptors")]),
])
def test_coordinated_modifiers_name_one_concept_each(lexicon_nlp, text, expected):
    mentions = [(t, c) for t, _, c in found(lexicon_nlp, text)]
    for pair in expected:
        assert pair in mentions


def test_a_conjunct_that_names_nothing_of_the_head_is_left_alone(lexicon_nlp):
    mentions = found(lexicon_nlp, "Male and female rats had access to the ventral striatum cannula.")
    assert [t for t, _, _ in mentions] == ["ventral striatum"]


def test_brain_and_hormonal_stress_systems_are_two_systems(lexicon_nlp):
    text = "Dependence engages brain and hormonal stress systems that drive negative affect."
    mentions = found(lexicon_nlp, text)
    assert ("brain", "NEURAL_SYSTEM", "NC:brain_stress_systems") in mentions
    assert ("hormonal stress systems", "NEURAL_SYSTEM", "NC:hormonal_stress_systems") in mentions


# 3. Receptor subtypes and short forms

@pytest.mark.parametrize("text, surface, concept_id", [
    ("Varenicline is a partial agonist at α4β2* nAChRs.", "α4β2* nAChRs", "NC:alpha4beta2_nachr"),
    ("Mice lacking α3β4 nAChRs were tested.", "α3β4 nAChRs", "NC:alpha3beta4_nachr"),
    ("The CHRNA5 risk allele alters smoking.", "CHRNA5", "NC:chrna5"),
    ("Habenular β4 nAChR subunits were overexpressed.", "β4 nAChR subunits", "NC:chrnb4"),
    ("mGlu5 receptors in the accumbens were blocked.", "mGlu5 receptors", "NC:mglur5"),
    ("GluN2B-containing receptors were potentiated, GluN2D less so.", "GluN2D", "NC:grin2d"),
    ("Tonic inhibition through α5-GABAA receptors was increased.", "α5-GABAA receptors", "NC:gabra5"),
    ("Clonidine acts on α2-adrenoceptors of the locus coeruleus.", "α2-adrenoceptors", "NC:alpha2_adrenergic_receptor"),
])
def test_receptor_subtypes_and_subunits(lexicon_nlp, text, surface, concept_id):
    assert concept_of(lexicon_nlp, text, surface) == [concept_id]


def test_a_receptor_named_in_a_drug_class_is_the_receptor_alone(lexicon_nlp):
    text = "The KOR antagonist norBNI and a CRF1 receptor antagonist were compared with a GR antagonist."
    mentions = found(lexicon_nlp, text)
    assert ("KOR", "RECEPTOR", "HGNC:8154") in mentions
    assert ("CRF1 receptor", "RECEPTOR", "NC:crf1_receptor") in mentions
    assert not any(label == "DRUG" and "antagonist" in t for t, label, _ in mentions)


def test_bare_dopamine_receptor_short_forms_need_a_dopamine_context(lexicon_nlp):
    assert concept_of(lexicon_nlp, "The D1 antagonist SCH23390 blocked the response.", "D1") == ["HGNC:3020"]
    assert concept_of(lexicon_nlp, "Blood was drawn on D1 and D7 after surgery.", "D1") == []


# 4. Bare head nouns the document resolves

def test_withdrawal_resolves_to_the_substance_of_the_document(lexicon_nlp):
    text = ("Rats received escalating oxycodone. Withdrawal was precipitated 12 h later, and "
            "abstinence lasted two weeks.")
    assert concept_of(lexicon_nlp, text, "Withdrawal") == ["NC:opioid_withdrawal_syndrome"]
    assert concept_of(lexicon_nlp, text, "abstinence") == ["NC:opioid_withdrawal_syndrome"]


def test_the_substance_named_before_withdrawal_in_its_sentence_wins(lexicon_nlp):
    text = "Morphine was given to all groups. Nicotine withdrawal, unlike the other, raised anxiety."
    mentions = found(lexicon_nlp, text)
    assert ("Nicotine", "DRUG", "MESH:D009538") in mentions
    assert ("withdrawal", "DISORDER", "NC:nicotine_withdrawal_syndrome") in mentions


def test_the_substance_withdrawal_governs_wins(lexicon_nlp):
    text = "Ethanol intake was measured in all rats. Withdrawal of opiates, unlike that from ethanol, raised it."
    mentions = found(lexicon_nlp, text)
    assert ("Withdrawal", "DISORDER", "NC:opioid_withdrawal_syndrome") in mentions


def test_withdrawal_with_no_substance_stays_generic(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Withdrawal is a negative reinforcer.", "Withdrawal") == ["MESH:D013375"]


def test_withdrawal_after_several_substances_stays_generic(lexicon_nlp):
    text = "Nicotine, oxycodone and cocaine abstinence all lowered dopamine; oxycodone and fentanyl withdrawal raised anxiety."
    assert concept_of(lexicon_nlp, text, "abstinence") == ["MESH:D013375"]
    assert concept_of(lexicon_nlp, text, "withdrawal") == ["NC:opioid_withdrawal_syndrome"]  # two opioids: one substance class


def test_a_named_general_kind_is_not_resolved(lexicon_nlp):
    text = "Rats received escalating oxycodone. Drug abstinence, like drug withdrawal in people, raised anxiety."
    assert concept_of(lexicon_nlp, text, "Drug abstinence") == ["MESH:D013375"]
    assert concept_of(lexicon_nlp, text, "drug withdrawal") == ["MESH:D013375"]


def test_a_substance_before_dependence_is_one_mention_of_its_dependence(lexicon_nlp):
    mentions = found(lexicon_nlp, "Ketamine infusions were given. Diazepam dependence and dependence on oxycodone were both common.")
    assert ("Diazepam dependence", "DISORDER", "MESH:D019966") in mentions  # no benzodiazepine dependence concept: generic
    assert ("dependence", "DISORDER", "MESH:D009293") in mentions  # the document's drug that resolves it: oxycodone


def test_stress_is_the_state_but_not_cellular_stress(lexicon_nlp):
    mentions = found(lexicon_nlp, "Social defeat stress and footshock stress, but not oxidative stress, raised corticosterone.")
    assert [t for t, label, _ in mentions if label == "SYMPTOM"] == ["stress", "stress"]


def test_a_reflex_withdrawal_is_not_drug_withdrawal(lexicon_nlp):
    mentions = found(lexicon_nlp, "Hind paw withdrawal thresholds fell after nerve injury.")
    assert not any(label == "DISORDER" for _, label, _ in mentions)


# 7. Wrong senses

def test_neuronal_hyperactivity_is_not_the_behavioural_sign(lexicon_nlp):
    text = "Dopaminergic hyperactivity and locomotor hyperactivity both followed the lesion in juvenile mice."
    assert [t for t, label, _ in found(lexicon_nlp, text) if label == "SYMPTOM"] == ["locomotor hyperactivity"]


def test_the_cortex_of_another_organ_is_no_brain_region(nlp):
    text = "Corticosteroids from the adrenal cortex act on the prefrontal cortex and the renal cortex."
    assert [(t, label) for t, label, _ in found(nlp, text) if label == "BRAIN_REGION"] == [("prefrontal cortex", "BRAIN_REGION")]


def test_a_group_label_is_not_a_brain_region(lexicon_nlp):
    text = "Patients on maintenance treatment (MT, n = 41) and controls (HC; n=40) were scanned."
    assert found(lexicon_nlp, text) == []


def test_a_drug_class_as_a_modifier_is_not_a_drug(lexicon_nlp):
    assert [t for t, _, _ in found(lexicon_nlp, "Opioid therapy and antidepressant effects were compared with opioids.")] == ["opioids"]


def test_the_short_form_of_a_stress_paradigm_is_a_mention_of_stress(lexicon_nlp):
    text = "Rats underwent chronic unpredictable stress (CUS). CUS rats gained less weight."
    assert [(t, c) for t, _, c in found(lexicon_nlp, text) if t == "CUS"] == [("CUS", "MESH:D013315")] * 2


def test_a_symptom_takes_in_like_behaviour_after_it(lexicon_nlp):
    text = "Withdrawal increased irritability-like behaviour in dependent rats."
    assert ("irritability-like behaviour", "SYMPTOM", "HP:0000737") in found(lexicon_nlp, text)


def test_words_of_an_instrument_name_are_no_mentions(lexicon_nlp):
    text = "Symptoms were rated with the Clinical Opiate Withdrawal Scale and the Beck Depression Inventory; depression improved."
    assert [t for t, _, _ in found(lexicon_nlp, text)] == ["depression"]


@pytest.mark.parametrize("text, surface, concept_id", [
    ("Intra-VTA infusions of the antagonist reduced seeking.", "VTA", "UBERON:0002691"),
    ("The BLA-to-NAc pathway carried the signal.", "NAc", "UBERON:0001882"),
    ("An LH→VTA projection was silenced.", "VTA", "UBERON:0002691"),
    ("Neurons in the left putamen were imaged.", "putamen", "UBERON:0001874"),
    ("Fos was counted in the lateral CeA after CeA lesions.", "lateral CeA", "UBERON:0002883"),
    ("Antalarmin was infused into the NAc shell but not the CeA.", "CeA", "UBERON:0002883"),  # "CeA." is two tokens
    ("Ventral tegmental area (VTA)-projecting neurons of the PFC fired.", "VTA", "UBERON:0002691"),
    ("Locus coeruleus (LC)-lesioned rats showed fewer signs.", "LC", "UBERON:0002148"),
])
def test_region_names_joined_to_other_words(lexicon_nlp, text, surface, concept_id):
    assert concept_of(lexicon_nlp, text, surface)[:1] == [concept_id]


def test_subtype_numbers_after_a_slash(lexicon_nlp):
    mentions = found(lexicon_nlp, "Group I mGluR1/5 antagonists and CRF1/2 receptor knockout mice were compared.")
    assert {"NC:mglur1", "NC:mglur5", "NC:crf1_receptor", "NC:crf2_receptor"} <= {m[2] for m in mentions}


def test_stereo_descriptors_stay_inside_chemical_names(lexicon_nlp):
    doc = lexicon_nlp.make_doc("(S)-ketamine, (2R,6R)-HNK and (+)-MK-801 were compared with (5-HT)-containing cells.")
    assert {"(S)-ketamine", "(2R,6R)-HNK", "(+)-MK-801", "5-HT"} <= {token.text for token in doc}


@pytest.mark.parametrize("title, surface, concept_id", [
    ("The Kappa-Opioid Receptor in Stress-Induced Relapse", "Kappa-Opioid Receptor", "HGNC:8154"),
    ("The κ-Opioid Receptor Antagonist Norbinaltorphimine", "κ-Opioid Receptor", "HGNC:8154"),
    ("The Dynorphin/κ-Opioid Receptor System and Hyperkatifeia", "Dynorphin/κ-Opioid Receptor System", "NC:dynorphin_kappa_opioid_system"),
    ("Morphine-Dependent Rats Show Anxiety-Like Behavior", "Morphine", "MESH:D009020"),
    ("Hypothalamic-Adrenal-Pituitary (HPA) Axis Activation", "Hypothalamic-Adrenal-Pituitary", "NC:hpa_axis"),
])
def test_names_in_title_case(lexicon_nlp, title, surface, concept_id):
    assert concept_of(lexicon_nlp, title, surface)[:1] == [concept_id]


# 9. Receptors, neurochemicals and neural systems on abstracts the project was never tuned on
#    (issue 12, second reading: receptor short forms, subunits, cell groups)

def test_a_short_form_defined_after_a_longer_name_means_it_everywhere(lexicon_nlp):
    # the abbreviation detector's long form is the end of the mention ("nicotinic acetylcholine
    # receptors" of "neuronal nicotinic acetylcholine receptors"); the short form was dropped
    text = ("Habenular neurons express neuronal nicotinic acetylcholine receptors (nAChRs). "
            "Chronic nicotine upregulated nAChRs in the interpeduncular nucleus.")
    assert concept_of(lexicon_nlp, text, "nAChRs") == ["NC:nicotinic_acetylcholine_receptor"] * 2
    text = "Restraint activates the hypothalamic paraventricular nucleus (PVN), and PVN neurons release CRF."
    assert concept_of(lexicon_nlp, text, "PVN") == ["UBERON:0001930"] * 2


def test_a_serial_comma_before_the_last_conjunct_keeps_the_list(lexicon_nlp):
    mentions = found(lexicon_nlp, "Neuropeptide Y acts on Y1, Y2, and Y5 receptors in the amygdala.")
    assert ("Y1", "RECEPTOR", "NC:npy_y1_receptor") in mentions
    assert ("Y2", "RECEPTOR", "NC:npy_y2_receptor") in mentions
    assert ("Y5 receptors", "RECEPTOR", "NC:npy_y5_receptor") in mentions


@pytest.mark.parametrize("text, surface, concept_id", [
    ("Blocking alpha6beta2 in the habenula relieved anxiety in withdrawn mice.", "alpha6beta2", "NC:alpha6beta2_nachr"),
    ("Varenicline binds alpha4beta2* with high affinity in the VTA.", "alpha4beta2*", "NC:alpha4beta2_nachr"),
    ("Estradiol acts through ERalpha in the medial amygdala.", "ERalpha", "NC:estrogen_receptor_alpha"),
])
def test_greek_letters_of_a_short_form_spelled_out(lexicon_nlp, text, surface, concept_id):
    assert concept_of(lexicon_nlp, text, surface) == [concept_id]


def test_a_bare_nicotinic_subunit_needs_a_nicotinic_context(lexicon_nlp):
    mentions = found(lexicon_nlp, "Aversion to high nicotine doses depends on α5 and β4 in the habenula.")
    assert ("α5", "RECEPTOR", "NC:chrna5") in mentions
    assert ("β4", "RECEPTOR", "NC:chrnb4") in mentions
    assert [m for m in found(lexicon_nlp, "The α5 and β4 chains of integrin bind fibronectin.") if m[1] == "RECEPTOR"] == []


def test_hpa_without_axis_is_the_axis_near_stress_hormone_words(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Chronic restraint blunted HPA responses to a novel stressor.", "HPA") == ["NC:hpa_axis"]
    assert concept_of(lexicon_nlp, "Infants with HPA had raised blood phenylalanine.", "HPA") == []


def test_glucocorticoid_and_mineralocorticoid_receptor_short_forms_near_corticosteroid_words(lexicon_nlp):
    text = "Corticosterone occupies MRs at rest and GRs at the circadian peak."
    assert concept_of(lexicon_nlp, text, "MRs") == ["HGNC:7979"]
    assert concept_of(lexicon_nlp, text, "GRs") == ["HGNC:7978"]
    assert concept_of(lexicon_nlp, "MR imaging showed hippocampal atrophy in these patients.", "MR") == []


def test_bare_orexin_receptor_short_forms(lexicon_nlp):
    text = "The antagonist blocked OX1 and OX2 with equal potency."
    assert concept_of(lexicon_nlp, text, "OX1") == ["HGNC:4848"]
    assert concept_of(lexicon_nlp, text, "OX2") == ["NC:orexin_2_receptor"]
    assert concept_of(lexicon_nlp, "The OX2 glycoprotein is expressed on thymocytes.", "OX2") == []
    # a short form inside a compound's code name is no mention of the receptor
    assert [m for m in found(lexicon_nlp, "Intra-VTA TCS-OX2-29 reduced orexin-driven seeking.") if m[1] == "RECEPTOR"] == []


@pytest.mark.parametrize("text, surface, concept_id", [
    ("Stress recruits cannabinoid type I receptors in the basolateral amygdala.", "cannabinoid type I receptors", "HGNC:2159"),
    ("Corticosterone binds type 2 corticosteroid receptors in the hippocampus.", "type 2 corticosteroid receptors", "HGNC:7978"),
    ("The serotonin-1A agonist buspirone reduced anxiety in abstinent rats.", "serotonin-1A", "HGNC:5286"),
    ("Ketamine blocks N-methyl-d-aspartate receptors on interneurons.", "N-methyl-d-aspartate receptors", "NC:nmda_receptor"),
    ("Ethanol inhibits the N-methyl-D-aspartic acid receptor in the hippocampus.", "N-methyl-D-aspartic acid receptor", "NC:nmda_receptor"),
    ("ORL1, once called the OP4 receptor, binds nociceptin.", "OP4 receptor", "HGNC:8155"),
])
def test_receptor_name_variants(lexicon_nlp, text, surface, concept_id):
    assert concept_of(lexicon_nlp, text, surface) == [concept_id]


def test_a_letter_named_peptide_is_not_the_name_and_an_article(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Work on orexin a decade ago linked it to arousal.", "orexin") == ["NC:orexin"]
    assert concept_of(lexicon_nlp, "Orexin A excites locus coeruleus neurons.", "Orexin A") == ["NC:orexin_a"]


def test_noradrenergic_and_adrenergic_cell_groups_in_a_catecholamine_context(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Noradrenergic neurons of A2 project to the central amygdala.", "A2") == ["UBERON:8440017"]
    text = "Lesions of A1/C1 catecholamine neurons blunted the response of the PVN."
    assert concept_of(lexicon_nlp, text, "A1") == ["UBERON:8440016"]
    assert concept_of(lexicon_nlp, text, "C1") == ["NC:c1_adrenergic_cell_group"]
    assert concept_of(lexicon_nlp, "the locus coeruleus (LC, A6) and the noradrenergic A5 group", "A5") == ["UBERON:8440019"]
    # adenosine receptors, the auditory cortex and spinal segments are not cell groups
    for text in ("Adenosine acts on A1 and A2A receptors in the striatum.", "Tones activated A1 in awake mice.",
                 "Injury at C2 spared the C3 segment."):
        assert [m for m in found(lexicon_nlp, text) if m[1] == "BRAIN_REGION" and m[0] in ("A1", "C2", "C3")] == []


def test_the_number_of_a_subtype_set_apart_by_a_space(lexicon_nlp):
    text = "Blocking mGluR 5 and CB 1 receptors, but not 5-HT 1A, reduced seeking."
    assert concept_of(lexicon_nlp, text, "mGluR 5") == ["NC:mglur5"]
    assert concept_of(lexicon_nlp, text, "CB 1 receptors") == ["HGNC:2159"]
    assert concept_of(lexicon_nlp, text, "5-HT 1A") == ["HGNC:5286"]


def test_a_neural_system_named_without_its_head_takes_it_in(lexicon_nlp):
    assert found(lexicon_nlp, "Chronic pain weakens the LC-NE inhibitory system.")[-1] == (
        "LC-NE inhibitory system", "NEURAL_SYSTEM", "NC:lc_noradrenergic_system")
    assert concept_of(lexicon_nlp, "Stressors tax the LC-NE complex.", "LC-NE complex") == ["NC:lc_noradrenergic_system"]
    assert concept_of(lexicon_nlp, "The HPA axis system adapts.", "HPA axis") == ["NC:hpa_axis"]


def test_a_location_of_the_receptor_stays_outside_its_mention(lexicon_nlp):
    text = "Fluoxetine desensitizes somatodendritic 5-HT1A autoreceptors in the raphe."
    assert concept_of(lexicon_nlp, text, "5-HT1A autoreceptors") == ["HGNC:5286"]


@pytest.mark.parametrize("text, surface, concept_id", [
    ("Cocaine occupies sigma(1) receptors in the striatum.", "sigma(1) receptors", "NC:sigma1_receptor"),
    ("Cocaine occupies σ(1) receptors in the striatum.", "σ(1) receptors", "NC:sigma1_receptor"),
    ("MTEP is a negative modulator of mGlu(5) receptors.", "mGlu(5) receptors", "NC:mglur5"),
    ("Clonidine acts on alpha(2)-adrenoceptors of the locus coeruleus.", "alpha(2)-adrenoceptors", "NC:alpha2_adrenergic_receptor"),
])
def test_subscripts_in_parentheses_after_any_letters(lexicon_nlp, text, surface, concept_id):
    assert concept_of(lexicon_nlp, text, surface) == [concept_id]


def test_the_sigma_receptor_short_form(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Two σR antagonists blocked cocaine-induced locomotion.", "σR") == ["NC:sigma_receptors"]


def test_a_gaba_a_subunit_near_the_receptor_short_form(lexicon_nlp):
    text = "Ethanol potentiates GABARs that contain δ subunits in dentate granule cells."
    assert concept_of(lexicon_nlp, text, "δ subunits") == ["NC:gabrd"]


def test_dopaminergic_cell_groups_written_bare(lexicon_nlp):
    text = "Dopamine neurons of the substantia nigra (SN, A9) and of the VTA (A10) differ."
    assert concept_of(lexicon_nlp, text, "A9") == ["UBERON:0036003"]
    assert concept_of(lexicon_nlp, text, "A10") == ["UBERON:0036005"]
    assert concept_of(lexicon_nlp, "A10 cells were grown in serum-free medium.", "A10") == []


def test_stress_circuitry_is_a_neural_system(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Ethanol recruits stress circuitry in dependent rats.", "stress circuitry") == [
        "NC:stress_response_system"]


def test_a_subtype_after_a_slash_is_a_mention_of_its_own(lexicon_nlp):
    mentions = found(lexicon_nlp, "Mixed 5-HT1A/1B receptors agonists and NR2A/B subunits were studied.")
    assert ("5-HT1A", "RECEPTOR", "HGNC:5286") in mentions
    assert ("1B receptors", "RECEPTOR", "HGNC:5287") in mentions
    assert ("NR2A", "RECEPTOR", "HGNC:4585") in mentions
    assert ("B subunits", "RECEPTOR", "HGNC:4586") in mentions
# 8. Drugs, disorders and symptoms of real abstracts (issue 12, second reading: DRUG, DISORDER, SYMPTOM)

@pytest.fixture(scope="module")
def ner_nlp():
    return build_nlp(ner=True)


@pytest.mark.parametrize("text, surface, concept_id", [
    ("Pretreatment with pexacerfont did not change cue-induced craving.", "pexacerfont", "NC:pexacerfont"),
    ("Verucerfont (GSK561679) was given for three weeks.", "GSK561679", "NC:verucerfont"),
    ("The CRF1 antagonist emicerfont was well tolerated.", "emicerfont", "NC:emicerfont"),
    ("Mice drank less after MPEP than after vehicle.", "MPEP", "MESH:C121465"),
    ("MTEP reduced responding for ethanol in dependent rats.", "MTEP", "NC:mtep"),
    ("The delta antagonists naltriben and ICI-174,864 blocked the effect.", "naltriben", "NC:naltriben"),
    ("The delta antagonists naltriben and ICI-174,864 blocked the effect.", "ICI-174,864", "NC:ici_174864"),
    ("DAGO was infused into the ventral pallidum.", "DAGO", "NC:damgo"),
    ("Antisauvagine-30 was infused into the lateral septum.", "Antisauvagine-30", "NC:antisauvagine_30"),
    ("TCS-OX2-29 did not alter intake, unlike almorexant.", "TCS-OX2-29", "NC:tcs_ox2_29"),
    ("TCS-OX2-29 did not alter intake, unlike almorexant.", "almorexant", "NC:almorexant"),
    ("The NOP antagonist J-113397 and the agonist Ro 64-6198 had opposite effects.", "Ro 64-6198", "NC:ro_64_6198"),
    ("Bath application of CNQX and AP5 abolished the EPSC.", "CNQX", "MESH:D018750"),
    ("Bath application of CNQX and AP5 abolished the EPSC.", "AP5", "MESH:D015763"),
    ("Patients on LAAM reported fewer withdrawal symptoms.", "LAAM", "NC:levomethadyl_acetate"),
])
def test_research_compounds_of_the_field(lexicon_nlp, text, surface, concept_id):
    assert concept_of(lexicon_nlp, text, surface) == [concept_id]


def test_a_short_form_in_small_letters_is_found_capitalised_at_a_sentence_start(lexicon_nlp):
    text = "Nor-BNI was given a day before testing. NorBNI pretreatment lasted weeks, as did nor-BNI binding."
    assert [(t, c) for t, _, c in found(lexicon_nlp, text)] == [
        ("Nor-BNI", "NC:nor_binaltorphimine"), ("NorBNI", "NC:nor_binaltorphimine"), ("nor-BNI", "NC:nor_binaltorphimine")]


def test_a_short_form_capitalised_inside_a_sentence_is_not_found(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Rats given Nor-BNI were tested.", "Nor-BNI") == []


def test_slash_joined_drugs_are_two_mentions(lexicon_nlp):
    text = "Patients were inducted onto buprenorphine/naloxone within two days."
    assert [(t, c) for t, _, c in found(lexicon_nlp, text)] == [("buprenorphine", "MESH:D002047"), ("naloxone", "MESH:D009270")]


@pytest.mark.parametrize("text, surface, concept_id", [
    ("Withdrawn mice made repeated escape attempts from the cylinder.", "escape attempts", "NC:escape_attempts"),
    ("Exposed newborns showed tremor and autonomic instability.", "autonomic instability", "NC:autonomic_instability"),
])
def test_withdrawal_signs(lexicon_nlp, text, surface, concept_id):
    assert concept_of(lexicon_nlp, text, surface) == [concept_id]


@pytest.mark.parametrize("text", [
    "Kappa agonists produced a depression of intracranial self-stimulation.",
    "High-frequency stimulation induced long-term depression at these synapses.",
    "Cortical spreading depression propagated across the slice.",
])
def test_a_depression_of_activity_is_not_the_disorder(lexicon_nlp, text):
    assert [c for _, _, c in found(lexicon_nlp, text) if c == "MESH:D003866"] == []


def test_depression_in_patients_is_still_the_disorder(lexicon_nlp):
    assert concept_of(lexicon_nlp, "Comorbid depression predicted relapse in these patients.", "depression") == ["MESH:D003866"]


def test_author_initials_are_no_disorder(ner_nlp):
    text = "As reviewed by Kleber HD and Koob GF, clonidine relieves opioid withdrawal."
    mentions = found(ner_nlp, text)
    assert [t for t, label, _ in mentions if label == "DISORDER" and t in ("HD", "GF")] == []
    assert ("clonidine", "DRUG", "MESH:D003000") in mentions


def test_generic_words_are_no_disorder(ner_nlp):
    text = "Opioid addiction is a chronic disorder with frequent relapse."
    assert [t for t, label, _ in found(ner_nlp, text) if label == "DISORDER"] == ["Opioid addiction"]


def test_a_short_form_of_another_type_is_no_unlinked_disorder(ner_nlp):
    text = "Verucerfont blunted the HPA response to the dexamethasone test."
    assert [t for t, label, _ in found(ner_nlp, text) if label == "DISORDER"] == []


def test_a_code_name_defined_by_a_systematic_name_keeps_its_drug(lexicon_nlp):
    text = "We gave 2-methyl-6-(phenylethynyl)-pyridine (MPEP) before the session. MPEP lowered intake."
    assert [(t, c) for t, _, c in found(lexicon_nlp, text)] == [("MPEP", "MESH:C121465")] * 2


def test_a_short_form_defined_as_something_else_is_still_not_matched(lexicon_nlp):
    text = "Patients took a brief neurological screening test (BNST). BNST scores were normal."
    assert [t for t, _, _ in found(lexicon_nlp, text) if t == "BNST"] == []


def test_a_group_label_is_no_mention_where_it_recurs(ner_nlp):
    text = ("Mice were implanted with morphine (MOR, n = 12) or placebo pellets. "
            "MOR mice lost more weight, and MOR mice jumped more.")
    mentions = found(ner_nlp, text)
    assert [t for t, _, _ in mentions if t == "MOR"] == []
    assert ("morphine", "DRUG", "MESH:D009020") in mentions


def test_the_same_short_form_elsewhere_is_still_the_receptor(lexicon_nlp):
    assert concept_of(lexicon_nlp, "MOR agonists reduced pain.", "MOR") == ["HGNC:8156"]


@pytest.mark.parametrize("text, surface", [
    ("Depression ratings fell after the third infusion.", "Depression"),
    ("Inpatients reported depression and anxiety symptoms at intake.", "depression"),
    ("Craving, depression and stress scores were entered as covariates.", "depression"),
])
def test_depression_measured_as_a_dimension_is_the_symptom(lexicon_nlp, text, surface):
    assert concept_of(lexicon_nlp, text, surface) == ["HP:0000716"]


def test_depression_as_a_diagnosis_and_withdrawal_severity_stay_disorders(lexicon_nlp):
    text = "Comorbid depression was common, and withdrawal severity ratings predicted dropout."
    mentions = found(lexicon_nlp, text)
    assert ("depression", "DISORDER", "MESH:D003866") in mentions
    assert [label for t, label, _ in mentions if t == "withdrawal"] == ["DISORDER"]


@pytest.mark.parametrize("written, concept_id", [("ICI-33828", "MESH:D008693"), ("CL-67772", "MESH:D000657"), ("MDL 108207DA", "MESH:C110516")])
def test_a_code_name_without_its_thousands_comma(lexicon_nlp, written, concept_id):
    assert concept_of(lexicon_nlp, f"Rats were pretreated with {written} before the test.", written) == [concept_id]


def test_bare_shakes_among_withdrawal_signs_and_hostility(lexicon_nlp):
    mentions = found(lexicon_nlp, "Abstinent mice showed jumping, shakes and hostility toward the intruder.")
    assert ("shakes", "SYMPTOM", "NC:body_tremor") in mentions
    assert ("hostility", "SYMPTOM", "MESH:D006791") in mentions
    assert found(lexicon_nlp, "The old building shakes when trains pass.") == []


def test_a_generic_mention_that_names_the_class_stays_generic(lexicon_nlp):
    text = "In these morphine-treated rats, the search terms were substance withdrawal syndrome and drug dependence."
    mentions = found(lexicon_nlp, text)
    assert ("substance withdrawal syndrome", "DISORDER", "MESH:D013375") in mentions
    assert concept_of(lexicon_nlp, "Morphine-treated rats were tested in withdrawal.", "withdrawal") == ["NC:opioid_withdrawal_syndrome"]


def test_a_study_design_is_no_disorder(ner_nlp):
    text = "To compare them, using meta-analysis, we pooled the trials of drugs for alcohol withdrawal."
    assert [t for t, label, _ in found(ner_nlp, text) if label == "DISORDER"] == ["withdrawal"]


def test_an_amino_prefix_written_apart_is_still_gaba_not_the_drug_butyric_acid(lexicon_nlp):
    text = "Pregabalin is a structural analogue of gamma amino butyric acid (GABA). GABA release fell."
    mentions = found(lexicon_nlp, text)
    assert ("gamma amino butyric acid", "NEUROCHEMICAL", "CHEBI:16865") in mentions
    assert [c for t, _, c in mentions if t == "GABA"] == ["CHEBI:16865", "CHEBI:16865"]
    assert [t for t, label, _ in mentions if label == "DRUG"] == ["Pregabalin"]


def test_an_adjective_in_thy_is_no_disorder_but_a_pathy_is(ner_nlp):
    text = "Morphine treatment of these infants is associated with a lengthy stay."
    assert [t for t, label, _ in found(ner_nlp, text) if label == "DISORDER"] == []
    from pipeline.annotate.ner import names_a_specific
    assert names_a_specific("DISEASE", "encephalopathy") and not names_a_specific("DISEASE", "lengthy")


def test_a_coordination_of_adjectives_or_ions_names_nothing(ner_nlp):
    """A coordination is a disease or a drug when one of its conjuncts is: "diabetic and
    epileptic patients" holds none (adjectives), "sodium and potassium" no drug (ions)."""
    from pipeline.annotate.ner import names_a_specific
    assert not names_a_specific("DISEASE", "diabetic and epileptic")
    assert not names_a_specific("DISEASE", "nephrotoxic, hepatotoxic, or cardiotoxic")
    assert names_a_specific("DISEASE", "optic and peripheral neuropathy")
    assert not names_a_specific("CHEMICAL", "sodium and potassium")
    assert names_a_specific("CHEMICAL", "sodium, potassium, and cocaine")
    text = "Cisplatin had nephrotoxic and hypotensive effects in diabetic and epileptic patients."
    assert [t for t, label, _ in found(ner_nlp, text) if label == "DISORDER"] == []


def test_a_receptor_named_before_a_cell_type_is_the_receptor(lexicon_nlp):
    """ "D1- and D2-medium spiny neurons": the cell types are named after the receptors, which
    are the mentions (guidelines, BRAIN_REGION: cell types); "D2-medium" is no drug."""
    text = "Opponent roles of D1- and D2-medium spiny neurons in the NAc have been proposed."
    mentions = found(lexicon_nlp, text)
    assert [(t, label) for t, label, _ in mentions if label != "BRAIN_REGION"] == [("D1", "RECEPTOR"), ("D2", "RECEPTOR")]


def test_dependency_is_dependence(lexicon_nlp):
    text = "Chronic opioid use also causes physical dependency, and opioid dependency follows."
    assert [(t, label) for t, label, _ in found(lexicon_nlp, text)] == [("physical dependency", "DISORDER"), ("opioid dependency", "DISORDER")]
    assert concept_of(lexicon_nlp, text, "physical dependency") == concept_of(lexicon_nlp, "It causes physical dependence.", "physical dependence")


def test_shaking_among_withdrawal_signs_is_a_tremor_elsewhere_nothing(lexicon_nlp):
    signs = "Some physical symptoms (sweating, shaking, and diarrhea) resolve within days."
    assert ("shaking", "SYMPTOM", "NC:body_tremor") in found(lexicon_nlp, signs)
    assert found(lexicon_nlp, "The flasks were placed on a shaking platform overnight.") == []


def test_a_positional_word_before_a_short_form_names_the_part_the_knowledge_base_has(lexicon_nlp):
    """ "anterior PVT" is the anterior paraventricular nucleus of thalamus, as the name written
    out is; where the knowledge base names no such part, the mention is of the region
    ("lateral CeA", the central amygdala)."""
    text = ("Projections from the anterior paraventricular nucleus of the thalamus (PVT) differ from "
            "those of the posterior PVT, and the anterior PVT and the lateral CeA were both active.")
    written_out = concept_of(lexicon_nlp, text, "anterior paraventricular nucleus of the thalamus")
    assert written_out and concept_of(lexicon_nlp, text, "anterior PVT") == written_out
    posterior = concept_of(lexicon_nlp, text, "posterior PVT")
    assert posterior and posterior != written_out and posterior != concept_of(lexicon_nlp, text, "PVT")
    assert concept_of(lexicon_nlp, text, "lateral CeA") == concept_of(lexicon_nlp, "the CeA was active", "CeA")
