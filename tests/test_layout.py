"""The package's layout follows the data flow: read -> annotate -> tabulate -> count -> graph -> export.

The rule, checked on the source of every module of pipeline/ (its imports, at the top and
inside functions alike):

- each top-level module or folder of pipeline/ has a rank in RANKS: the base (rank 0:
  the package root, errors, files, kb), then the stages in the order the data flows
  (read 1, annotate 2, tabulate 3, count 4, graph 5, export 6), then the orchestration
  above them all (rank 7: scale, evaluate, workflow, cli, bench, __main__);
- a module imports only modules of its own rank or lower: a stage may use the base and
  the stages before it, never one after it, nor the orchestration.

Also: the pure modules import without spaCy, the CLI leaves the bench (a development
module) unimported until its command runs, and the README's layout table names exactly
the folders and modules of pipeline/.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "pipeline"
BASE, ORCHESTRATION = 0, 7
RANKS = {
    "": BASE, "errors": BASE, "files": BASE, "kb": BASE, "resources": BASE,
    "read": 1, "annotate": 2, "tabulate": 3, "count": 4, "graph": 5, "export": 6,
    "scale": ORCHESTRATION, "evaluate": ORCHESTRATION, "workflow": ORCHESTRATION, "cli": ORCHESTRATION,
    "bench": ORCHESTRATION, "__main__": ORCHESTRATION,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    """The rank of a module of the package, by its top-level module or folder."""
    parts = module.split(".")
    return RANKS[parts[1] if len(parts) > 1 else ""]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every pipeline module the file imports (`from pipeline.x import y`
    counts y when it is a module of its own)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "pipeline"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "pipeline":
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / submodule.replace(".", "/")).with_suffix(".py").is_file() or \
                    (PACKAGE.parent / submodule.replace(".", "/")).is_dir()
                found.append((node.lineno, submodule if is_module else node.module))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_top_level_module_and_folder_has_a_rank():
    tops = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    tops |= {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").is_file()}
    assert tops == set(RANKS) - {""}


def test_no_module_imports_against_the_flow():
    upward = [
        f"{module_name(path)} (rank {rank(module_name(path))}), line {line}: {module} (rank {rank(module)})"
        for path in MODULES for line, module in imported_modules(path) if rank(module) > rank(module_name(path))
    ]
    assert MODULES and not upward, "imports against the flow:\n" + "\n".join(upward)


def loaded_after(statement: str) -> set[str]:
    """The modules loaded in a fresh interpreter after running `statement`."""
    code = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("module", ["pipeline.annotate.normalize", "pipeline.kb"])
def test_pure_modules_import_without_spacy(module):
    assert "spacy" not in loaded_after(f"import {module}")


def test_the_cli_imports_the_bench_only_for_its_command():
    loaded = loaded_after("import pipeline.cli")
    assert "pipeline.cli" in loaded and "pipeline.bench" not in loaded


def test_the_readme_layout_table_names_the_folders_and_modules():
    """Each row names folders (pipeline/x/) or root modules (pipeline/x.py) of the package, and
    in backquotes the files of its folder: all of them exist, and the rows name every one."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Layout\n"):]
    rows = [line for line in section.split("\n## ", 2)[1].splitlines() if line.startswith("| `pipeline/")]
    named, missing = set(), []
    for row in rows:
        first, rest = row.split(" | ", 1)
        entries = re.findall(r"`pipeline/([\w.]+/?)`", first)
        named.update(entries)
        for entry in entries:
            files = set(re.findall(r"`(\w+\.(?:py|html))`", rest)) if entry.endswith("/") else set()
            missing += [f"pipeline/{entry}{name}" for name in {"", *files} if not (PACKAGE / entry / name).exists()]
    assert not missing
    tops = {path.name + "/" for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").is_file()}
    tops |= {path.name for path in PACKAGE.glob("*.py")}
    assert named == tops
