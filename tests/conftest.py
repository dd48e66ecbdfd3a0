"""Shared fixtures: the pipeline built once per test session, on the project's knowledge
base and on a small fixture knowledge base (tests/data/kb) whose contents the tests know."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.annotate.nlp import build_nlp
from pipeline.resources import CACHE_VARIABLE

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
SHARED = REPO.parent / "shared" / "corpora"
NPM_DIR = REPO / ".cache" / "npm"  # node packages for the tests, installed by `make test-tools`


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a test that starts processes, builds wheels or runs a cluster (skip with -m 'not slow')")


def missing_tool(reason: str) -> None:
    """A test tool (chromium, node packages) is missing: skip the test, or fail it on CI
    (CI=true), where `make test-tools` must have installed it. Tests install nothing."""
    message = f"{reason}; `make test-tools` installs it"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def pipeline_cache(tmp_path_factory):
    """Built pipelines are cached in a folder of the test session (and of the commands it
    starts), not in the user's cache folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_VARIABLE, str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def nlp():
    """The pipeline on the project's knowledge base (models/kb)."""
    return build_nlp()


@pytest.fixture(scope="session")
def small_nlp():
    """The pipeline on the eight-concept fixture knowledge base."""
    return build_nlp(DATA / "kb")


def entities(nlp, text):
    """(text, label, concept id, long form) of each entity the pipeline finds in text."""
    doc = nlp(text)
    return [(e.text, e.label_, e.kb_id_, e._.long_form.text if e._.long_form is not None else None) for e in doc.ents]


@pytest.fixture(scope="session")
def demo_extract(nlp, tmp_path_factory):
    """The demo corpus extracted once (pipeline.workflow.extract) for the graph, export and viewer tests."""
    from pipeline.workflow import extract

    out = tmp_path_factory.mktemp("demo_extract")
    extract([REPO / "corpora" / "demo"], out, nlp)
    return out
