"""Where neuroconcepts finds what it ships and keeps what it builds.

The knowledge base and the trained models ship inside the package (pipeline/models; in a
checkout a link to the top-level models/ folder), found with importlib.resources, so an
installed wheel works from any folder. $NEUROCONCEPTS_MODELS overrides them. What is
built from them (the linker's index, the pipelines build_nlp saves) goes to a per-user
cache folder (platformdirs), or $NEUROCONCEPTS_CACHE, never into the installed package.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import platformdirs

MODELS_VARIABLE = "NEUROCONCEPTS_MODELS"  # overrides the models shipped in the package
CACHE_VARIABLE = "NEUROCONCEPTS_CACHE"  # overrides the per-user cache folder

MODELS_DIR = Path(os.environ.get(MODELS_VARIABLE) or str(files("pipeline") / "models"))


def cache_dir() -> Path:
    """The per-user cache folder: $NEUROCONCEPTS_CACHE, else platformdirs' (~/.cache/neuroconcepts on Linux)."""
    return Path(os.environ.get(CACHE_VARIABLE) or platformdirs.user_cache_dir("neuroconcepts"))
