"""The trained NER (models/ner): how it joins the pipeline and combines with the lexicon."""

from __future__ import annotations

import json

import pytest
import spacy
from click.testing import CliRunner
from spacy.tokens import Span

from pipeline.annotate.document import annotate
from pipeline.annotate.linking import is_linked, unlinked_id
from pipeline.annotate.ner import (
    LEXICON_SPANS_KEY, NER_MODEL_DIR, NER_MODEL_EXCLUDE, SOURCE_NER, EntityMerger, UnknownMergePolicy, ner_model_available,
)
from pipeline.annotate.nlp import build_nlp, build_tokenizer
from pipeline.cli import cli
from pipeline.read import Record

needs_model = pytest.mark.skipif(not ner_model_available(), reason="no trained NER in models/ner (run `make train`)")

TEXT = ("Neurons in the lateral part of the parabrachial nucleus and in layer V of the somatosensory cortex "
        "project to the central nucleus of the amygdala (CeA); morphine reduced c-Fos in the CeA.")


def merged(policy, ner, lexicon, text="the lateral parabrachial nucleus and the central amygdala and morphine"):
    """doc.ents after merging NER spans and lexicon spans, given as (start, end, label) token offsets,
    by an EntityMerger whose NER predicts BRAIN_REGION."""
    doc = build_tokenizer()(text)
    lexicon_spans = []
    for start, end, label in lexicon:
        span = Span(doc, start, end, label=label, kb_id=f"KB:{start}")
        span._.concept_source = "lexicon"
        lexicon_spans.append(span)
    doc.spans[LEXICON_SPANS_KEY] = lexicon_spans
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in ner]
    doc = EntityMerger(policy, ner_labels=["BRAIN_REGION"])(doc)
    return [(e.start, e.end, e.label_, e.kb_id_, e._.concept_source) for e in doc.ents]


NER = [(1, 4, "BRAIN_REGION"), (6, 8, "BRAIN_REGION")]               # lateral parabrachial nucleus; central amygdala
LEXICON = [(2, 4, "BRAIN_REGION"), (6, 8, "BRAIN_REGION"), (9, 10, "DRUG")]  # parabrachial nucleus; central amygdala; morphine


def test_ner_first_keeps_ner_spans_and_adds_lexicon_entities_that_overlap_none():
    assert merged("ner_first", NER, LEXICON) == [
        (1, 4, "BRAIN_REGION", "KB:2", SOURCE_NER),  # unlinked, it widens "parabrachial nucleus": that concept
        (6, 8, "BRAIN_REGION", "KB:6", "lexicon"),   # same boundaries: the lexicon's concept
        (9, 10, "DRUG", "KB:9", "lexicon"),
    ]


def test_an_unlinked_ner_span_keeps_its_own_id_unless_it_widens_one_lexicon_entity_of_its_label():
    over_two = [(1, 8, "BRAIN_REGION")]     # "lateral parabrachial nucleus and the central amygdala"
    over_drug = [(8, 10, "BRAIN_REGION")]   # "and morphine"
    assert merged("ner_first", over_two, LEXICON)[0][3] == "NC:unlinked:lateral_parabrachial_nucleus_and_the_central_amygdala"  # widens two
    assert merged("lexicon_first", over_drug, [(2, 4, "BRAIN_REGION")])[1][3] == "NC:unlinked:morphine"  # "and" trimmed off


def test_an_ner_span_loses_coordinators_laterality_and_other_types_words_at_its_edges():
    over_drug = [(8, 10, "BRAIN_REGION")]   # "and morphine": a coordinator, then a DRUG's word
    assert merged("ner_first", over_drug, [(9, 10, "DRUG")]) == [(9, 10, "DRUG", "KB:9", "lexicon")]  # nothing of it is left


def test_lexicon_first_keeps_lexicon_entities():
    assert [e[:2] for e in merged("lexicon_first", NER, LEXICON)] == [(2, 4), (6, 8), (9, 10)]


def test_longest_lets_a_longer_ner_span_replace_one_lexicon_entity_of_its_label():
    assert [e[:2] for e in merged("longest", NER, LEXICON)] == [(1, 4), (6, 8), (9, 10)]


def test_longest_keeps_the_lexicon_against_other_labels_and_several_entities():
    over_drug = [(8, 10, "BRAIN_REGION")]               # "and morphine": overlaps the DRUG
    over_two = [(2, 8, "BRAIN_REGION")]                 # covers two lexicon regions
    shorter = [(3, 4, "BRAIN_REGION")]                  # "nucleus" inside "parabrachial nucleus"
    for ner in (over_drug, over_two, shorter):
        assert [e[:2] for e in merged("longest", ner, LEXICON)] == [(2, 4), (6, 8), (9, 10)]


def test_ner_decides_keeps_ner_spans_over_lexicon_entities_of_their_label():
    assert [e[:3] for e in merged("ner_decides", NER, LEXICON)] == [(1, 4, "BRAIN_REGION"), (6, 8, "BRAIN_REGION"), (9, 10, "DRUG")]


def test_ner_decides_gives_way_to_other_labels_several_entities_and_a_longer_one():
    over_drug = [(8, 10, "BRAIN_REGION")]               # "and morphine": overlaps the DRUG
    over_two = [(1, 8, "BRAIN_REGION"), (9, 10, "BRAIN_REGION")]  # "... nucleus and the central amygdala": a coordination
    shorter = [(3, 4, "BRAIN_REGION"), (6, 8, "BRAIN_REGION")]   # "nucleus" inside "parabrachial nucleus"
    assert [e[:2] for e in merged("ner_decides", shorter, LEXICON)] == [(2, 4), (6, 8), (9, 10)]
    assert [e[:3] for e in merged("ner_decides", over_two, LEXICON)] == [(2, 4, "BRAIN_REGION"), (6, 8, "BRAIN_REGION"), (9, 10, "DRUG")]
    assert (9, 10, "DRUG") in [e[:3] for e in merged("ner_decides", over_drug, LEXICON)]
    assert (8, 10) not in [e[:2] for e in merged("ner_decides", over_drug, LEXICON)]


def test_ner_decides_keeps_a_name_made_of_several_lexicon_entities():
    text = "the striatal part of the olfactory tubercle and morphine"
    lexicon = [(1, 2, "BRAIN_REGION"), (5, 7, "BRAIN_REGION"), (8, 9, "DRUG")]
    assert [e[:2] for e in merged("ner_decides", [(1, 7, "BRAIN_REGION")], lexicon, text)] == [(1, 7), (8, 9)]


def test_ner_decides_drops_lexicon_regions_it_left_out_but_keeps_short_forms():
    text = "the dorsal root ganglia and the BLA and NAc shell and morphine"
    lexicon = [(1, 4, "BRAIN_REGION"), (6, 7, "BRAIN_REGION"), (8, 10, "BRAIN_REGION"), (11, 12, "DRUG")]
    assert [e[:2] for e in merged("ner_decides", [], lexicon, text)] == [(6, 7), (8, 10), (11, 12)]
    assert [e[:2] for e in merged("longest", [], lexicon, text)] == [(1, 4), (6, 7), (8, 10), (11, 12)]


def test_ner_decides_keeps_a_conjunct_of_a_region_it_kept():
    text = "the NAc core and shell , the dorsal root ganglia and morphine"
    lexicon = [(1, 3, "BRAIN_REGION"), (4, 5, "BRAIN_REGION"), (7, 10, "BRAIN_REGION"), (11, 12, "DRUG")]
    # "shell" is coordinated with the kept "NAc core"; the dorsal root ganglia, coordinated with a drug, stay out
    assert [e[:2] for e in merged("ner_decides", [(1, 3, "BRAIN_REGION")], lexicon, text)] == [(1, 3), (4, 5), (11, 12)]


def test_articles_at_the_edges_of_an_ner_span_are_left_out():
    text = "the insula and the amygdala and hemophilia A and the insula of the rat"
    lexicon = [(1, 2, "BRAIN_REGION"), (4, 5, "BRAIN_REGION")]
    ner = [(1, 4, "BRAIN_REGION"), (6, 8, "BRAIN_REGION"), (10, 13, "BRAIN_REGION")]
    assert [e[:2] for e in merged("ner_first", ner, lexicon, text)] == [(1, 2), (4, 5), (6, 8), (10, 11)]  # "insula of the": insula


def test_chemical_and_disease_spans_are_typed_by_the_concept_they_link_to():
    text = "rats given cocaine or CP-154,526 showed seizures and catatonia"
    doc = build_tokenizer()(text)
    doc.spans[LEXICON_SPANS_KEY] = []
    doc.ents = [Span(doc, 2, 3, label="CHEMICAL"), Span(doc, 4, 5, label="CHEMICAL"),
                Span(doc, 6, 7, label="DISEASE"), Span(doc, 8, 9, label="DISEASE")]
    linked = {"cocaine": "MESH:D003042", "seizures": "HP:0001250"}
    merger = EntityMerger(ner_labels=["BRAIN_REGION", "CHEMICAL", "DISEASE"],
                          link=lambda spans: [linked.get(span.text, unlinked_id(span)) for span in spans],
                          concept_types={"MESH:D003042": "DRUG", "HP:0001250": "SYMPTOM"})
    assert [(e.text, e.label_, e.kb_id_) for e in merger(doc).ents] == [
        ("cocaine", "DRUG", "MESH:D003042"),
        ("CP-154,526", "DRUG", "NC:unlinked:cp154,526"),      # an unlinked chemical is a DRUG
        ("seizures", "SYMPTOM", "HP:0001250"),
        ("catatonia", "DISORDER", "NC:unlinked:catatonia"),   # an unlinked disease a DISORDER
    ]


def test_short_forms_follow_the_entity_of_their_long_form(small_nlp):
    text = ("Atrial fibrillation (AF) and optical coherence tomography (OCT) were studied in rats given morphine (MO). "
            "AF and OCT recurred after MO.")
    doc = small_nlp.get_pipe("abbreviation_detector")(small_nlp.make_doc(text))
    at = {(t.text, t.i) for t in doc}

    def first(word, after=0):
        return min(i for w, i in at if w == word and i >= after)

    period = first(".")
    morphine = Span(doc, first("morphine"), first("morphine") + 1, label="DRUG", kb_id="MESH:D009020")
    morphine._.concept_source = "lexicon"
    doc.spans[LEXICON_SPANS_KEY] = [morphine]
    doc.ents = [Span(doc, 0, 2, label="DISEASE"), Span(doc, first("OCT", period), first("OCT", period) + 1, label="DISEASE")]
    ents = EntityMerger(ner_labels=["CHEMICAL", "DISEASE"])(doc).ents
    found = [(e.text, e.start > period, e.label_, e.kb_id_) for e in ents]
    assert ("AF", True, "DISORDER", "NC:unlinked:atrial_fibrillation") in found     # the long form's entity
    assert ("MO", True, "DRUG", "MESH:D009020") in found                           # a lexicon long form too
    assert not [f for f in found if f[0] == "OCT"]   # an NER span on a short form whose long form is no entity


def test_unlinked_brain_regions_on_short_forms_of_other_things_are_dropped(small_nlp):
    text = ("Tumours rich in carbonic anhydrase (CA) IX were hypoxic; CA IX staining and the TP assay "
            "predicted survival, as did HPRT deficiency (hypoxanthine phosphoribosyltransferase (HPRT)).")
    doc = small_nlp.get_pipe("abbreviation_detector")(small_nlp.make_doc(text))
    index = {t.text: t.i for t in doc}  # the last occurrence of each word
    doc.spans[LEXICON_SPANS_KEY] = []
    doc.ents = [Span(doc, index["CA"], index["CA"] + 2, label="BRAIN_REGION"),   # "CA IX", where CA is carbonic anhydrase
                Span(doc, index["TP"], index["TP"] + 1, label="BRAIN_REGION"),   # a short form no document defines
                Span(doc, index["deficiency"] - 1, index["deficiency"] + 1, label="DISEASE")]
    ents = EntityMerger(ner_labels=["BRAIN_REGION", "CHEMICAL", "DISEASE"])(doc).ents
    assert [(e.text, e.label_) for e in ents] == [("HPRT deficiency", "DISORDER")]  # a disease may hold a gene's short form


def test_unknown_policy_is_refused():
    with pytest.raises(UnknownMergePolicy, match="use one of ner_decides, longest, ner_first, lexicon_first"):
        EntityMerger("union")


def test_without_ner_the_pipeline_has_no_ner_components():
    assert not {"lexicon_spans", "ner", "entity_merger"} & set(build_nlp(ner=False).pipe_names)


@needs_model
def test_the_ner_sees_the_tokens_and_norms_of_build_nlp(nlp):
    trained = spacy.load(NER_MODEL_DIR, exclude=NER_MODEL_EXCLUDE)  # its tokenizer is built from the config
    ours, theirs = nlp.make_doc(TEXT), trained.make_doc(TEXT)
    assert [(t.text, t.norm_) for t in ours] == [(t.text, t.norm_) for t in theirs]
    assert any(t.norm_ != t.lower_ for t in ours)  # "Neurons" -> "neuron": the project's NORMs, not spaCy's


@needs_model
def test_ner_finds_regions_the_lexicon_does_not_know(nlp):
    after_matcher = nlp.pipe_names.index("concept_matcher") + 1
    assert nlp.pipe_names[after_matcher:after_matcher + 3] == ["lexicon_spans", "ner", "entity_merger"]
    [document] = list(annotate([Record("d1", "", TEXT, "test", "1")], nlp))
    by_text = {m.text: m for m in document.mentions}
    region = next(m for m in document.mentions if "parabrachial nucleus" in m.text)
    assert region.source == SOURCE_NER and region.text.endswith("parabrachial nucleus") and len(region.text) > len("parabrachial nucleus")
    assert region.linked == is_linked(region.concept_id)
    assert by_text["morphine"].source == "lexicon" and by_text["morphine"].label == "DRUG"
    assert by_text["CeA"].source == "lexicon" and by_text["CeA"].linked


@needs_model
def test_no_ner_flag_on_the_command_line(nlp):
    result = CliRunner().invoke(cli, ["annotate", TEXT, "--no-ner"])
    assert result.exit_code == 0, result.output
    without = [json.loads(line)["text"] for line in result.output.splitlines()]
    assert "parabrachial nucleus" in without and "morphine" in without
    with_ner = [m.text for m in next(annotate([Record("d1", "", TEXT, "test", "1")], nlp)).mentions]
    assert without != with_ner


@needs_model
def test_merge_policy_on_the_command_line():
    text = "Some part of every neocortical gyrus contained labeled neurons, though their numbers varied."
    found, expected = {}, {}
    for policy in ("ner_decides", "lexicon_first"):
        result = CliRunner().invoke(cli, ["annotate", text, "--merge-policy", policy])
        assert result.exit_code == 0, result.output
        found[policy] = [json.loads(line)["text"] for line in result.output.splitlines()]
        nlp = build_nlp(ner=True, merge_policy=policy)
        expected[policy] = [m.text for m in next(annotate([Record("d1", "", text, "test", "1")], nlp)).mentions]
    assert found == expected  # the option reaches the pipeline, whatever the trained model reads here
    assert found["lexicon_first"] == ["neocortical"]  # lexicon_first keeps the lexicon's match of the adjective, NER or not
    refused = CliRunner().invoke(cli, ["annotate", text, "--merge-policy", "union"])
    assert refused.exit_code == 2 and "'union' is not one of" in refused.output


@needs_model
def test_a_worker_rebuilds_the_same_merge(nlp):
    from pipeline.scale.distribute import load_pipeline, serialize_pipeline

    text = "Sensory neurons of the dorsal root ganglia project to the spinal dorsal horn and the lateral CeA."
    worker = load_pipeline("test-worker-merge", serialize_pipeline(nlp))
    assert worker.get_pipe("entity_merger").ner_labels == nlp.get_pipe("entity_merger").ner_labels == {"BRAIN_REGION", "CHEMICAL", "DISEASE"}
    assert [(e.text, e.kb_id_) for e in worker(text).ents] == [(e.text, e.kb_id_) for e in nlp(text).ents]


@needs_model
def test_the_graph_keeps_or_drops_the_concepts_of_unlinked_mentions(demo_extract, tmp_path):
    import networkx as nx

    graphs = {}
    for option in ("--unlinked", "--no-unlinked"):
        result = CliRunner().invoke(cli, ["graph", str(demo_extract), option, "--out", str(tmp_path / f"{option}.graphml"), "-q"])
        assert result.exit_code == 0, result.output
        graphs[option] = nx.read_graphml(tmp_path / f"{option}.graphml")
    kept, dropped = graphs["--unlinked"], graphs["--no-unlinked"]
    unlinked = {node for node in kept if not is_linked(node)}
    assert unlinked and set(dropped) == set(kept) - unlinked
    # what remains is as it was: statistics are over all pairs, as with pruning
    for u, v, attributes in dropped.edges(data=True):
        assert kept.edges[u, v]["npmi"] == attributes["npmi"]


@needs_model
def test_the_ner_finds_drugs_and_disorders_the_knowledge_base_does_not_know(nlp):
    text = ("Seizures were reduced in rats given ceftriaxone; "
            "chronic tiagabine caused bradycardia, rhabdomyolysis and nephrotoxicity.")
    [document] = list(annotate([Record("d1", "", text, "test", "1")], nlp))
    by_text = {m.text.lower(): m for m in document.mentions}
    for name, label in (("ceftriaxone", "DRUG"), ("rhabdomyolysis", "DISORDER"), ("nephrotoxicity", "DISORDER")):
        mention = by_text[name]
        assert (mention.label, mention.source) == (label, SOURCE_NER)
        assert mention.linked == is_linked(mention.concept_id)
    # the knowledge base's own concepts keep their types and ids
    assert (by_text["seizures"].label, by_text["seizures"].source) == ("SYMPTOM", "lexicon")
    assert (by_text["tiagabine"].label, by_text["tiagabine"].source) == ("DRUG", "lexicon")
