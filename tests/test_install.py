"""What users install works outside the checkout: the tool's wheel carries its knowledge
base and models, and the spaCy pipeline package loads with spacy.load in a fresh process.

Each wheel is built from this checkout without a build environment (nothing is
downloaded) and unpacked with `pip install --no-deps --target` into a folder of the test;
the commands then run in fresh processes, in another folder, with that folder first on
PYTHONPATH and NEUROCONCEPTS_MODELS unset. Their dependencies (spaCy, scispaCy ...) come
from this environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from conftest import REPO

from pipeline import __version__
from pipeline.resources import MODELS_VARIABLE

pytestmark = pytest.mark.slow  # builds and unpacks wheels, runs fresh processes

DEMO = REPO / "corpora" / "demo" / "abstracts.jsonl"


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *args], check=True)


def installed(wheel: Path, target: Path) -> dict[str, str]:
    """Unpack the wheel into target; the environment of a process that imports from there first."""
    pip("install", "--no-deps", "--no-compile", "--target", str(target), str(wheel))
    env = {k: v for k, v in os.environ.items() if k != MODELS_VARIABLE}
    return env | {"PYTHONPATH": str(target), "PYTHONNOUSERSITE": "1"}


def neuroconcepts(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, cwd=cwd, capture_output=True, text=True, check=True)


def test_the_wheel_annotates_extracts_and_graphs_outside_the_checkout(tmp_path):
    pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"), str(REPO))
    [wheel] = (tmp_path / "dist").glob(f"neuroconcepts-{__version__}-*.whl")
    env = installed(wheel, tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([sys.executable, "-c", "import pipeline.resources as r; print(r.__file__); print(r.MODELS_DIR)"],
                           env=env, cwd=elsewhere, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(p).is_relative_to(tmp_path / "site") for p in where), where  # the wheel's code and models, not the checkout's

    mentions = [json.loads(line) for line in neuroconcepts(env, elsewhere, "annotate", "--format", "jsonl",
                                                           "The BNST mediates anxiety during morphine withdrawal.").stdout.splitlines()]
    assert {(m["text"], m["label"]) for m in mentions} >= {("BNST", "BRAIN_REGION"), ("anxiety", "SYMPTOM"), ("morphine", "DRUG")}

    (elsewhere / "abstracts.jsonl").write_text("".join(DEMO.read_text(encoding="utf-8").splitlines(keepends=True)[:20]), encoding="utf-8")
    neuroconcepts(env, elsewhere, "run", "abstracts.jsonl", "--out", "out", "--quiet")
    graph = nx.read_graphml(elsewhere / "out" / "graph.graphml")
    assert graph.number_of_edges() > 10 and graph.graph["version"] == __version__ and graph.graph["kb_version"]
    assert not list((tmp_path / "site" / "pipeline" / "models").glob("linker*"))  # built into the cache, not the package


def test_the_spacy_package_loads_in_a_fresh_process(tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts" / "package_pipeline.py"), "--out", str(tmp_path / "dist"),
                    "--work", str(tmp_path / "build")], check=True, capture_output=True)
    env = installed(tmp_path / "dist" / f"en_neuroconcepts-{__version__}-py3-none-any.whl", tmp_path / "site")
    script = ("import json, spacy; nlp = spacy.load('en_neuroconcepts'); "
              "doc = nlp('Lesions of the basolateral amygdala (BLA) blocked CRF-induced anxiety.'); "
              "print(json.dumps([nlp.meta['name'], nlp.pipe_names, [(e.text, e.label_, e.kb_id_) for e in doc.ents]]))")
    name, pipe_names, ents = json.loads(subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path,
                                                       capture_output=True, text=True, check=True).stdout)
    assert name == "neuroconcepts" and "concept_matcher" in pipe_names
    labels = {text: (label, kb_id) for text, label, kb_id in ents}
    assert labels["basolateral amygdala"][0] == labels["BLA"][0] == "BRAIN_REGION"
    assert labels["basolateral amygdala"][1] == labels["BLA"][1] != ""
    assert labels["anxiety"][0] == "SYMPTOM" and labels["CRF"][0] == "NEUROCHEMICAL"
