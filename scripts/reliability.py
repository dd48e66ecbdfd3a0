"""Run the reliability cases of issue 14 and the property tests, and write reports/reliability.md.

Each case is a test named test_case_NN_... (tests/test_reliability.py, and the viewer's in
tests/test_viewer.py) whose docstring says the case, what happened before ("Before:") and
what is done now ("Now:"), and which records what it observed (pytest's record_property).
The report gives, per case, those, the test and whether it held. Exit status 1 if any failed.

    python scripts/reliability.py [--out reports]      # make reliability (about two minutes)
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CASE_FILES = ["tests/test_reliability.py", "tests/test_viewer.py"]
PROPERTY_FILE = "tests/test_properties.py"


class Outcomes:
    """A pytest plugin keeping each test's docstring, outcome, duration and observations."""

    def __init__(self) -> None:
        self.docs: dict[str, str] = {}
        self.results: dict[str, dict] = {}

    def pytest_collection_modifyitems(self, items) -> None:
        for item in items:
            self.docs[item.nodeid] = item.function.__doc__ or ""

    def pytest_runtest_logreport(self, report) -> None:
        result = self.results.setdefault(report.nodeid, {"outcome": "passed", "seconds": 0.0, "observed": []})
        result["seconds"] += report.duration
        if report.failed or (report.skipped and result["outcome"] == "passed"):
            result["outcome"] = report.outcome
        if report.when == "call":
            result["observed"] = [value for key, value in report.user_properties if key == "observed"]


def run() -> Outcomes:
    """Run the case tests and the property tests with pytest, in this process, from the repository."""
    outcomes = Outcomes()
    pytest.main(["-q", "-p", "no:cacheprovider", f"--rootdir={REPO}", *(str(REPO / f) for f in (*CASE_FILES, PROPERTY_FILE)),
                 "-k", "test_case_ or test_properties"], plugins=[outcomes])
    return outcomes


def case_number(nodeid: str) -> int:
    return int(re.search(r"test_case_(\d+)_", nodeid).group(1))


def parse_doc(doc: str) -> tuple[str, str, str]:
    """(title, before, now) of a case's docstring."""
    text = " ".join(doc.split())
    title = re.sub(r"^Case \d+\.\s*", "", text.split(" Before: ")[0])
    before = re.search(r"Before: (.*?)(?= Now: |$)", text).group(1)
    now = re.search(r"Now: (.*)$", text).group(1)
    return title, before, now


def report(outcomes: Outcomes, seconds: float) -> str:
    """The Markdown report."""
    results = outcomes.results
    by_case = defaultdict(list)
    for nodeid in sorted((n for n in results if "::test_case_" in n), key=lambda n: (case_number(n), n)):
        by_case[case_number(nodeid)].append(nodeid)
    cases = [n for nodeids in by_case.values() for n in nodeids]
    properties = [n for n in results if n.startswith(PROPERTY_FILE)]
    held = {number: all(results[n]["outcome"] == "passed" for n in nodeids) for number, nodeids in by_case.items()}
    lines = [
        "# Reliability (issue 14)",
        "",
        f"Written by `make reliability` (scripts/reliability.py) on {datetime.date.today().isoformat()}, in {seconds:.0f} s: "
        f"**{sum(held.values())} of {len(held)} cases held** ({sum(results[n]['outcome'] == 'passed' for n in cases)} "
        f"of {len(cases)} tests passed); property tests (hypothesis, {PROPERTY_FILE}): "
        f"{sum(results[n]['outcome'] == 'passed' for n in properties)} of {len(properties)} passed.",
        "",
        "Each case is a test on a real fault; `TMP` is the test's temporary folder. The errors, outputs and guarantees are",
        "described in the README (Errors and reliability).",
        "",
        "| # | case | result |",
        "|---:|---|---|",
    ]
    for number, nodeids in by_case.items():
        title = parse_doc(outcomes.docs[nodeids[0]])[0]
        lines.append(f"| {number} | {title.replace('|', '&#124;')} | {'held' if held[number] else '**FAILED**'} |")
    for number, nodeids in by_case.items():
        title, before, now = parse_doc(outcomes.docs[nodeids[0]])
        lines += ["", f"## Case {number}. {title}", "", f"- Before: {before}", f"- Now: {now}"]
        for nodeid in nodeids:
            result = results[nodeid]
            lines.append(f"- Test `{nodeid}`: {result['outcome']} ({result['seconds']:.1f} s)")
            observed = [text.replace(str(REPO) + "/", "").replace(str(REPO), ".") for text in result["observed"]]
            if observed:
                lines += ["", "  ```text", *(f"  {line}" for text in observed for line in text.splitlines()), "  ```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="reports", help="folder for reliability.md (default: reports)")
    out = Path(parser.parse_args().out)
    start = time.monotonic()
    outcomes = run()
    text = report(outcomes, time.monotonic() - start)
    out.mkdir(parents=True, exist_ok=True)
    (out / "reliability.md").write_text(text, encoding="utf-8")
    print(f"wrote {out / 'reliability.md'}")
    failed = [r for r in outcomes.results.values() if r["outcome"] != "passed"]
    return 1 if failed or not outcomes.results else 0


if __name__ == "__main__":
    sys.exit(main())
