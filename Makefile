# neuroconcepts: the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS ?= corpora/demo
OUT ?= out/graph

.PHONY: setup test-tools run graph test lint clean eval train kb kb-regions kb-fp linker bench bench-scaling bench-throughput pubmed-plan viewer-demo reliability package wheel

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

# What the tests use beyond Python (they install nothing): Debian's chromium for the viewer,
# and node with graphology-graphml (npm) for reading our GraphML in JavaScript. CI runs it
# first (.ci/run); without these tools the tests that need them skip, with CI=true they fail.
NPM_PACKAGES := graphology@0.26.0 graphology-graphml@0.5.2
test-tools:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	command -v node >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	test -d .cache/npm/node_modules/graphology-graphml || npm install --no-audit --no-fund --silent --prefix .cache/npm $(NPM_PACKAGES)

run: setup
	$(BIN)/neuroconcepts run corpora/demo --out out/demo

graph: setup
	$(BIN)/neuroconcepts run $(CORPUS) --out $(OUT)

test: setup
	$(BIN)/python -m pytest

# ruff (configured in pyproject.toml): pyflakes and pycodestyle errors.
lint: setup
	$(BIN)/ruff check pipeline tests scripts

eval: setup
	$(BIN)/neuroconcepts eval --out reports

# The tool as a wheel that carries its knowledge base and models: dist/neuroconcepts-<version>-py3-none-any.whl.
wheel: setup
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .

# The spaCy pipeline package (spacy.load("en_neuroconcepts")): dist/en_neuroconcepts-<version>-py3-none-any.whl.
package: setup
	$(BIN)/python scripts/package_pipeline.py

# Throughput per core, agreement with scispaCy's stock stack, memory, scaling to 2 workers and
# Dask, GraphML export (about 20 minutes, on an idle machine): reports/bench.md, reports/bench.json.
bench: setup
	OMP_NUM_THREADS=1 $(BIN)/neuroconcepts bench --out reports

# The scaling runs alone (about 6 minutes), into the last reports/bench.md.
bench-scaling: setup
	OMP_NUM_THREADS=1 $(BIN)/neuroconcepts bench --out reports --only scaling

# The throughput per core and the time of each step alone (about 4 minutes), into the last reports/bench.md.
bench-throughput: setup
	OMP_NUM_THREADS=1 $(BIN)/neuroconcepts bench --out reports --only throughput

# The PubMed-size plan: graph on the counts of 1 M and 5 M generated documents (about an hour,
# several GB in PLAN_WORK): reports/pubmed_plan.md.
PLAN_WORK ?= /tmp/neuroconcepts-pubmed-plan
pubmed-plan: setup
	OMP_NUM_THREADS=1 $(BIN)/python scripts/pubmed_plan.py --out reports --work $(PLAN_WORK)

# The 17 reliability cases of issue 14, each a test on a real fault, and the property tests
# (about two minutes): reports/reliability.md.
reliability: setup
	$(BIN)/python scripts/reliability.py --out reports

# The README's viewer screenshot (docs/viewer_demo.png; needs chromium) and top-edges table.
viewer-demo: setup
	$(BIN)/neuroconcepts run corpora/demo --out out/demo -q
	$(BIN)/neuroconcepts graph out/demo --top-k 4 --out out/demo/top4.graphml --export html -q
	chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	  --disable-component-update --disable-sync --user-data-dir=$$(mktemp -d) --window-size=1280,800 \
	  --virtual-time-budget=3000 --screenshot=out/demo/viewer.png \
	  "file://$(CURDIR)/out/demo/top4.html#edge=CHEBI:18243~UBERON:0002691"
	$(BIN)/python -c "from PIL import Image; Image.open('out/demo/viewer.png').convert('RGB').quantize(colors=128).save('docs/viewer_demo.png', optimize=True)"
	$(BIN)/python scripts/top_edges.py out/demo/graph.graphml --by log_likelihood -n 10

# Train the NER (BRAIN_REGION, CHEMICAL, DISEASE) on ../shared/corpora/whitetext/train.xml and
# bc5cdr/train.tsv and write models/ner (fixed seeds: two runs give the same bytes; about 25 minutes).
train: setup
	OMP_NUM_THREADS=1 $(BIN)/python scripts/train_ner.py

# Check the knowledge base (models/kb) and print its counts.
kb: setup linker
	$(BIN)/neuroconcepts kb check
	$(BIN)/neuroconcepts kb stats

# The linker's TF-IDF + nmslib index of the knowledge base, built ahead of time into the per-user cache folder.
linker: setup
	$(BIN)/python scripts/build_linker.py

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
