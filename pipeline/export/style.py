"""How concepts look in the viewer, the static picture and Gephi: a colour per type and a size by frequency."""

from __future__ import annotations

import math

# Colour-blind-safe (Okabe & Ito 2008), one per concept type; OTHER_COLOUR for anything else.
TYPE_COLOURS = {
    "BRAIN_REGION": "#0072B2",
    "NEURAL_SYSTEM": "#56B4E9",
    "NEUROCHEMICAL": "#009E73",
    "RECEPTOR": "#CC79A7",
    "SYMPTOM": "#E69F00",
    "DRUG": "#D55E00",
    "DISORDER": "#F0E442",
}
OTHER_COLOUR = "#999999"


def type_colour(concept_type: str) -> str:
    """The colour (#rrggbb) of a concept type."""
    return TYPE_COLOURS.get(concept_type, OTHER_COLOUR)


def node_radius(documents: int, smallest: float = 4.0) -> float:
    """A node's radius, growing with the square root of its documents (its area with the count)."""
    return round(smallest * math.sqrt(max(documents, 1)), 3)
