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

_NOT_NON = r"(?<!non-)(?<!non)(?<!non )"
TEXT_PATTERNS = {
    "human": _NOT_NON + r"\b(?:humans?|patients?|participants?|volunteers?|people|persons?|individuals|men|women|"
             r"children|adolescents|veterans|outpatients|inpatients|twins|smokers)\b",
    "non-human primate": r"\b(?:non-?human primates?|primates|monkeys?|macaques?|macaca|rhesus|baboons?|"
                         r"marmosets?|chimpanzees?|vervets?|cynomolgus)\b",
    "rat": r"\b(?:rats?|sprague[- ]dawley|wistar|long[- ]evans|fischer 344|lewis rats?)\b",
    "mouse": r"\b(?:mice|mouse|murine|c57bl(?:/6j?)?|knockout mice|transgenic mice)\b",
    "hamster": r"\bhamsters?\b",
    "guinea pig": r"\bguinea[- ]pigs?\b",
    "rabbit": r"\brabbits?\b",
    "cat": r"\b(?:cats|feline)\b",
    "dog": r"(?<!wet-)(?<!wet )\b(?:dogs?|canine|beagles?)\b",  # not the wet-dog shakes of withdrawal
    "pig": r"(?<!guinea )(?<!guinea-)\b(?:pigs|piglets?|swine|porcine)\b",
    "sheep": r"\b(?:sheep|ewes?|lambs?|ovine)\b",
    "zebrafish": r"\bzebrafish\b",
    "fly": r"\b(?:drosophila|fruit fl(?:y|ies))\b",
    "worm": r"\b(?:c\. elegans|caenorhabditis)\b",
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
_TEXT = {tag: re.compile(pattern, re.IGNORECASE) for tag, pattern in TEXT_PATTERNS.items()}
_MESH = {descriptor.lower(): tag for tag, descriptors in MESH_DESCRIPTORS.items() for descriptor in descriptors}


def document_species(text: str, mesh: Iterable[str] = ()) -> tuple[str, ...]:
    """The species tags of a document, in SPECIES order, from its text and MeSH headings."""
    found = {_MESH.get(heading.split(",")[0].strip().lower()) for heading in mesh}
    found.update(tag for tag, pattern in _TEXT.items() if pattern.search(text))
    return tuple(tag for tag in SPECIES if tag in found)


def species_attribute(tag: str) -> str:
    """The graph attribute holding a tag's document count: "documents_rat", "documents_non_human_primate"."""
    return "documents_" + re.sub(r"\W+", "_", tag)
