"""AnatEM 1.0.2 (Pyysalo & Ananiadou 2014): brat standoff, mapped to our labels.

Each document is a pair `<name>.txt` + `<name>.ann`, with lines
``T1<TAB>Type start end<TAB>surface`` (discontinuous spans join fragments with ";").
AnatEM annotates general and cancer anatomy in twelve types, none of them brain-specific;
our labels cover only the nervous system. The mapping, decided on the mention alone
(type and surface text, never on what our pipeline finds):

- an ``Organ``, ``Multi-tissue_structure`` or ``Tissue`` mention whose text names a
  part of the brain or spinal cord (BRAIN_TERMS: brain, cortex, hippocampus,
  striatum, thalamus, cerebellum, brainstem, spinal cord, gyrus, white matter...,
  adjectives such as *cerebral*, *striatal*, *hippocampal* included, as the project's
  guidelines annotate them) is a BRAIN_REGION, unless it names a blood vessel,
  the heart's ventricles, the eye (retina) or a sample (NOT_BRAIN_TERMS);
- an ``Anatomical_system`` mention naming a nervous system (*central nervous
  system*, *sympathetic nervous system*, *CNS*) or an axis (*hypothalamic-pituitary-
  adrenal axis*, as in the project's guidelines) is a NEURAL_SYSTEM;
- a mention that is the short form defined for a mapped mention ("mediobasal
  hypothalamus (MBH)"), there or anywhere else in the document, takes its label;
- every other mention (cells, cellular components, cancers, substances such as
  cerebrospinal fluid, non-neural organs) has no counterpart among our labels and is
  dropped.

Discontinuous mentions are scored by their whole extent (first to last character).
The evaluation scores only BRAIN_REGION and NEURAL_SYSTEM on this corpus.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

from pipeline.errors import InputError
from pipeline.evaluate.corpus import GoldDocument, GoldEntity, gold_document

REGION_TYPES = frozenset({"Organ", "Multi-tissue_structure", "Tissue"})
SYSTEM_TYPES = frozenset({"Anatomical_system"})
BRAIN_TERMS = re.compile(
    r"brain|cerebr|cerebell|cortex|cortic|hippocamp|striat|thalam|amygdal|spinal cord|medulla oblongata|\bpons\b"
    r"|pontine|mesenceph|dienceph|telenceph|gyrus|gyri|sulcus|white matter|gr[ae]y matter|caudate|putamen"
    r"|pallid|accumbens|\bnigra|nigral|nigrostriat|callosum|\bnucle(?:us|i)\b|subcortical|forebrain|midbrain|hindbrain"
    r"|hypothalam|septum|septal|olfactory bulb|tegment|colliculus|cingulate|insula|entorhinal",
    re.IGNORECASE,
)
NOT_BRAIN_TERMS = re.compile(r"arter|vein|venous|vascul|vessel|ventric|retin|sample|tumou?r|\bbrain tissue\b", re.IGNORECASE)
NERVOUS_SYSTEM = re.compile(r"nervous system|\bCNS\b|\bPNS\b|\baxis\b", re.IGNORECASE)


def anatem_label(anatem_type: str, text: str) -> str | None:
    """Our label for one AnatEM mention, or None when it has no counterpart (see the module docstring)."""
    if anatem_type in REGION_TYPES and BRAIN_TERMS.search(text) and not NOT_BRAIN_TERMS.search(text):
        return "BRAIN_REGION"
    if anatem_type in SYSTEM_TYPES and NERVOUS_SYSTEM.search(text):
        return "NEURAL_SYSTEM"
    return None


def read_ann(path: Path, text: str, label: Callable[[str, str], str | None] = anatem_label) -> list[GoldEntity]:
    """The entities of one brat .ann file, labelled by label(type, text) and by the short
    forms defined for labelled mentions (mentions left without a label are dropped); a
    line that breaks the format raises InputError."""
    mentions = []  # (start, end, surface, our label or None)
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("T"):
            continue  # relations, events, notes: not used by AnatEM's entity layer
        try:
            _, type_and_offsets, surface = line.split("\t")
            anatem_type, offsets = type_and_offsets.split(" ", 1)
            fragments = [tuple(map(int, fragment.split())) for fragment in offsets.split(";")]
            start, end = fragments[0][0], fragments[-1][1]
        except ValueError:
            raise InputError(str(path), f"line {line_number}", "not a brat text-bound annotation (T<n>\\tType start end\\ttext)") from None
        if " ".join(text[a:b] for a, b in fragments) != surface:
            raise InputError(str(path), f"line {line_number}", f"offsets {offsets} do not give the text {surface!r}")
        mentions.append((start, end, surface, label(anatem_type, surface)))
    labelled_ends = {end: our_label for _, end, _, our_label in mentions if our_label}
    short_forms = {
        surface: labelled_ends[start - 2] for start, end, surface, our_label in mentions
        if not our_label and start - 2 in labelled_ends and text[start - 2:start] == " (" and text[end:end + 1] == ")"
    }
    return [GoldEntity(start, end, our_label or short_forms[surface]) for start, end, surface, our_label in mentions
            if our_label or surface in short_forms]


def read_anatem(directory: str | Path, split: str = "test", label: Callable[[str, str], str | None] = anatem_label) -> Iterator[GoldDocument]:
    """Yield the documents of one AnatEM split (standoff/<split>/*.txt + .ann), in name order,
    with their mentions labelled by label(type, text) (our labels, by default)."""
    folder = Path(directory) / "standoff" / split
    if not folder.is_dir():
        raise InputError(str(folder), "", "no such AnatEM split folder")
    for txt in sorted(folder.glob("*.txt")):
        text = txt.read_text(encoding="utf-8")
        ann = txt.with_suffix(".ann")
        if not ann.is_file():
            raise InputError(str(txt), "", f"no annotation file {ann.name} beside it")
        yield gold_document(str(ann), "line 1", txt.stem, "", text, read_ann(ann, text, label))
