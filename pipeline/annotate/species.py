"""Species tags of a document: which organisms it studies, from its text and its MeSH headings.

A document gets every tag of SPECIES whose words appear in its title or abstract
(TEXT_PATTERNS: "rats", "Sprague-Dawley", "mice", "C57BL/6", "patients", "macaques"...),
or whose MeSH descriptor is among its headings (MESH_DESCRIPTORS: "Rats", "Mice",
"Humans", "Macaca mulatta"...; a heading's qualifier after the comma is ignored, so
"Rats, Sprague-Dawley" is "Rats"). A document may have several tags (a study of rats
and of human patients), or none. Tags come in SPECIES order.
"""

from __future__ import annotations

import re
from typing import Iterable

SPECIES = (
    "human", "non-human primate", "rat", "mouse", "hamster", "guinea pig", "rabbit", "cat", "dog", "pig",
    "sheep", "zebrafish", "fly", "worm",
)

# Each pattern starts at a word boundary and is matched against the lowercased text, all
# in one pass (one alternation, a named group per tag): 14 separate case-insensitive
# searches cost 1.7 ms an abstract, more than the tokenizer.
TEXT_PATTERNS = {
    "human": r"(?<!non-)(?<!non)(?<!non )(?:humans?|patients?|participants?|volunteers?|people|persons?|individuals|men|"
             r"women|children|adolescents|veterans|outpatients|inpatients|twins|smokers)\b",
    "non-human primate": r"(?:non-?human primates?|primates|monkeys?|macaques?|macaca|rhesus|baboons?|"
                         r"marmosets?|chimpanzees?|vervets?|cynomolgus)\b",
    "rat": r"(?:rats?|sprague[- ]dawley|wistar|long[- ]evans|fischer 344|lewis rats?)\b",
    "mouse": r"(?:mice|mouse|murine|c57bl(?:/6j?)?|knockout mice|transgenic mice)\b",
    "hamster": r"hamsters?\b",
    "guinea pig": r"guinea[- ]pigs?\b",
    "rabbit": r"rabbits?\b",
    "cat": r"(?:cats|feline)\b",
    "dog": r"(?<!wet-)(?<!wet )(?:dogs?|canine|beagles?)\b",  # not the wet-dog shakes of withdrawal
    "pig": r"(?<!guinea )(?<!guinea-)(?:pigs|piglets?|swine|porcine)\b",
    "sheep": r"(?:sheep|ewes?|lambs?|ovine)\b",
    "zebrafish": r"zebrafish\b",
    "fly": r"(?:drosophila|fruit fl(?:y|ies))\b",
    "worm": r"(?:c\. elegans|caenorhabditis)\b",
}
MESH_DESCRIPTORS = {
    "human": ("Humans",),
    "non-human primate": (
        "Primates", "Haplorhini", "Macaca", "Macaca mulatta", "Macaca fascicularis", "Macaca nemestrina",
        "Chlorocebus aethiops", "Papio", "Callithrix", "Saimiri", "Pan troglodytes", "Cercopithecidae",
    ),
    "rat": ("Rats",),
    "mouse": ("Mice",),
    "hamster": ("Cricetinae", "Mesocricetus", "Cricetulus"),
    "guinea pig": ("Guinea Pigs",),
    "rabbit": ("Rabbits",),
    "cat": ("Cats",),
    "dog": ("Dogs",),
    "pig": ("Swine", "Sus scrofa"),
    "sheep": ("Sheep",),
    "zebrafish": ("Zebrafish",),
    "fly": ("Drosophila", "Drosophila melanogaster"),
    "worm": ("Caenorhabditis elegans",),
}
_GROUPS = {f"tag{i}": tag for i, tag in enumerate(TEXT_PATTERNS)}
_TEXT = re.compile(r"\b(?:" + "|".join(f"(?P<{group}>{TEXT_PATTERNS[tag]})" for group, tag in _GROUPS.items()) + ")")
_MESH = {descriptor.lower(): tag for tag, descriptors in MESH_DESCRIPTORS.items() for descriptor in descriptors}


def document_species(text: str, mesh: Iterable[str] = ()) -> tuple[str, ...]:
    """The species tags of a document, in SPECIES order, from its text and MeSH headings."""
    found = {_MESH.get(heading.split(",")[0].strip().lower()) for heading in mesh}
    found.update(_GROUPS[match.lastgroup] for match in _TEXT.finditer(text.lower()))
    return tuple(tag for tag in SPECIES if tag in found)


def species_attribute(tag: str) -> str:
    """The graph attribute holding a tag's document count: "documents_rat", "documents_non_human_primate"."""
    return "documents_" + re.sub(r"\W+", "_", tag)
