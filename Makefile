# neuroconcepts: the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS ?= corpora/demo
OUT ?= out/graph

.PHONY: setup run graph test clean eval train kb kb-regions kb-fp

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

run: setup
	$(BIN)/neuroconcepts run corpora/demo --out out/demo

graph: setup
	$(BIN)/neuroconcepts run $(CORPUS) --out $(OUT)

test: setup
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/neuroconcepts eval --out reports

# Train the NER on ../shared/corpora/whitetext/train.xml and write models/ner (fixed seed).
train: setup
	OMP_NUM_THREADS=1 $(BIN)/python scripts/train_ner.py

# Check the knowledge base (models/kb) and print its counts.
kb: setup
	$(BIN)/neuroconcepts kb check
	$(BIN)/neuroconcepts kb stats

# Re-derive models/kb/concepts/brain_regions.tsv from ../shared/corpora/brain_lexicons
# and the curated overlay models/kb/curation/brain_regions_curated.tsv.
kb-regions: setup
	$(BIN)/python scripts/derive_brain_regions.py

# False positives of the knowledge base on AnatEM documents outside neuroscience.
kb-fp: setup
	$(BIN)/python scripts/kb_false_positives.py

clean:
	rm -rf out .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
