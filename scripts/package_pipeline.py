"""Build the spaCy pipeline package (`make package`): dist/en_neuroconcepts-<version>-py3-none-any.whl.

The pipeline of build_nlp (with the trained NER when models/ner holds one) is saved with
nlp.to_disk, made into a package with `spacy package`, the way scispaCy ships its
en_core_sci_* pipelines, and built into a wheel with pip, without a build environment
(nothing is downloaded). The package requires neuroconcepts, whose spacy_factories entry
points register the components; with both installed, `spacy.load("en_neuroconcepts")`
gives the pipeline in any process. The concept matcher's knowledge base and patterns are
in the package's data.

Usage:  .venv/bin/python scripts/package_pipeline.py [--out dist] [--work build/package]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.annotate.ner import ner_model_available
from pipeline.annotate.nlp import build_nlp

REPO = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "neuroconcepts"  # spaCy prefixes the language: en_neuroconcepts


def package_pipeline(out: Path, work: Path) -> Path:
    """Save the pipeline, package it and build its wheel into `out`; returns the wheel's path."""
    nlp = build_nlp(ner=ner_model_available())
    nlp.meta.update(
        name=PACKAGE_NAME, version=__version__, license="MIT", author="The neuroconcepts authors",
        description="neuroconcepts' pipeline: brain regions, neural systems, neurochemicals, receptors, symptoms, "
                    "drugs and disorders in biomedical abstracts, with knowledge-base ids.",
        requirements=[f"neuroconcepts=={__version__}"],
    )
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    nlp.to_disk(work / "pipeline")
    spacy_package = [sys.executable, "-m", "spacy", "package", str(work / "pipeline"), str(work), "--build", "none", "--force"]
    subprocess.run(spacy_package, check=True, stdout=subprocess.DEVNULL)
    source = work / f"en_{PACKAGE_NAME}-{__version__}"
    out.mkdir(parents=True, exist_ok=True)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)]
    subprocess.run(pip_wheel, check=True)
    return out / f"en_{PACKAGE_NAME}-{__version__}-py3-none-any.whl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="folder of the wheel")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "package", help="scratch folder (replaced)")
    args = parser.parse_args(argv)
    print(f"wrote {package_pipeline(args.out, args.work)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
