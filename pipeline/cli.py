"""The neuroconcepts command line: thin click commands over pipeline.workflow."""

from __future__ import annotations

import json
import sys
from functools import wraps
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import InputError, KnowledgeBaseError
from pipeline.graph import WINDOWS
from pipeline.read import FORMATS, FieldMap
from pipeline.workflow import GRAPH_FILE, SUMMARY_FILE, extract, graph, graph_summary, write_summary

MENTION_FIELDS = ("doc_id", "start", "end", "text", "label", "concept_id", "concept_name")


def _fail_cleanly(command):
    """Input and knowledge-base errors end the command with one line on stderr and exit 1."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (InputError, KnowledgeBaseError) as err:
            click.echo(f"neuroconcepts: error: {err}", err=True)
            sys.exit(1)
    return wrapper


def _nlp_options(command):
    command = click.option("--kb", "kb_dir", type=click.Path(exists=True, file_okay=False), help="Knowledge base folder (default: models/kb).")(command)
    command = click.option("--kb-extra", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Extra concepts or synonyms, a TSV in the knowledge-base format (repeatable).")(command)
    return command


def _reader_options(command):
    command = click.option("--format", "fmt", type=click.Choice(FORMATS), help="Input format (default: from each file's extension).")(command)
    command = click.option("--field", "field_map", multiple=True, metavar="ROLE=NAME", help="Input field names for JSONL/CSV, e.g. --field abstract=AB (roles: id, title, abstract, year, journal).")(command)
    return command


def _graph_options(command):
    command = click.option("--window", type=click.Choice(WINDOWS), default="sentence", show_default=True, help="Co-occurrence window.")(command)
    command = click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True, help="Keep concepts in at least this many documents, and pairs sharing at least this many windows.")(command)
    return command


def _quiet_option(command):
    return click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")(command)


def _fields(field_map: tuple[str, ...]) -> FieldMap:
    try:
        return FieldMap.parse(field_map)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--field") from None


def _build_nlp(kb_dir, kb_extra):
    from pipeline.annotate.nlp import build_nlp  # spaCy loads only for commands that annotate

    return build_nlp(kb_dir, kb_extra)


def _load_kb(kb_dir, kb_extra):
    from pipeline.kb import DEFAULT_KB_DIR, load_kb

    return load_kb(kb_dir or DEFAULT_KB_DIR, kb_extra)


def _progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def _echo_extract(summary: dict, out_dir: Path) -> None:
    records = summary["records"]
    click.echo(f"documents  {records['read']} read, {records['processed']} processed, {records['rejected']} rejected"
               + (f" (see {out_dir / 'rejects.jsonl'})" if records["rejected"] else ""))
    by_type = ", ".join(f"{label} {n}" for label, n in sorted(summary["mentions_by_type"].items(), key=lambda kv: (-kv[1], kv[0])))
    click.echo(f"mentions   {summary['mentions']} ({by_type})")
    click.echo(f"concepts   {summary['concepts']}")


def _echo_graph(info: dict, path: Path) -> None:
    click.echo(f"graph      {info['nodes']} nodes, {info['edges']} edges (window: {info['window']}) -> {path}")
    click.echo("top concepts (documents):")
    for concept in info["top_concepts"]:
        click.echo(f"  {concept['documents']:>5}  {concept['name']} ({concept['type']})")
    click.echo(f"top edges ({info['window']}s shared, npmi):")
    for edge in info["top_edges"]:
        click.echo(f"  {edge['weight']:>5.0f}  {edge['source']} -- {edge['target']}  ({edge['npmi']:+.2f})")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="neuroconcepts")
def cli():
    """Mine neuroscience abstracts for neurobiological concepts and build a concept graph.

    \b
    Example:
      neuroconcepts run corpora/demo --out out/demo
    """


@cli.command("extract")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@_reader_options
@_nlp_options
@_quiet_option
@_fail_cleanly
def extract_command(inputs, out_dir, fmt, field_map, kb_dir, kb_extra, quiet):
    """Annotate a corpus: mentions, documents, rejects and co-occurrence counts in --out.

    INPUTS are files or folders: .txt (one document each), .jsonl, .csv, .tsv, PubMed
    .xml or .xml.gz.

    \b
    Example:
      neuroconcepts extract pubmed25n0001.xml.gz abstracts.jsonl --out out/x
    """
    summary = extract(inputs, out_dir, _build_nlp(kb_dir, kb_extra), fmt, _fields(field_map), _progress(quiet))
    if not quiet:
        _echo_extract(summary, Path(out_dir))


@cli.command("graph")
@click.argument("directories", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help=f"GraphML file (default: DIR/{GRAPH_FILE} of the first DIR).")
@_graph_options
@_nlp_options
@_quiet_option
@_fail_cleanly
def graph_command(directories, out_file, window, min_count, kb_dir, kb_extra, quiet):
    """Build the concept graph from one or more extract folders (their counts are added up).

    \b
    Example:
      neuroconcepts graph out/baseline out/update --window document --min-count 2 --out both.graphml
    """
    out_file = Path(out_file or Path(directories[0]) / GRAPH_FILE)
    concept_graph = graph(directories, out_file, _load_kb(kb_dir, kb_extra), window, min_count)
    if not quiet:
        _echo_graph(graph_summary(concept_graph), out_file)


@cli.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@_reader_options
@_graph_options
@_nlp_options
@_quiet_option
@_fail_cleanly
def run_command(inputs, out_dir, fmt, field_map, window, min_count, kb_dir, kb_extra, quiet):
    """Extract and graph in one go: tables, counts, graph.graphml and summary.json in --out.

    \b
    Example:
      neuroconcepts run corpora/demo --out out/demo
    """
    out_dir = Path(out_dir)
    nlp = _build_nlp(kb_dir, kb_extra)
    summary = extract(inputs, out_dir, nlp, fmt, _fields(field_map), _progress(quiet))
    kb = nlp.get_pipe("concept_matcher").kb
    concept_graph = graph([out_dir], out_dir / GRAPH_FILE, kb, window, min_count)
    summary["graph"] = graph_summary(concept_graph) | {"min_count": min_count}
    write_summary(summary, out_dir / SUMMARY_FILE)
    if not quiet:
        _echo_extract(summary, out_dir)
        _echo_graph(summary["graph"], out_dir / GRAPH_FILE)


@cli.command("annotate")
@click.argument("text", required=False, default="-")
@click.option("--format", "out_format", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True, help="One JSON object per mention, or a tab-separated table.")
@_nlp_options
@_fail_cleanly
def annotate_command(text, out_format, kb_dir, kb_extra):
    """Print the concept mentions of TEXT, or of JSONL lines {"id": ..., "text": ...} on stdin (-).

    \b
    Examples:
      neuroconcepts annotate "Morphine withdrawal activates the locus coeruleus (LC)."
      cat docs.jsonl | neuroconcepts annotate - --format table
    """
    from pipeline.annotate import annotate
    from pipeline.read.records import Rejection, make_record

    nlp = _build_nlp(kb_dir, kb_extra)
    if text == "-":
        items = (_stdin_record(n, line) for n, line in enumerate(sys.stdin, start=1) if line.strip())
    else:
        items = iter([make_record("<argument>", "", "text", "", text)])
    failed = False

    def records():
        nonlocal failed
        for item in items:
            if isinstance(item, Rejection):
                failed = True
                click.echo(f"neuroconcepts: {item.source}:{item.position}: {item.reason}", err=True)
            else:
                yield item

    if out_format == "table":
        click.echo("\t".join(MENTION_FIELDS))
    for document in annotate(records(), nlp):
        for mention in document.mentions:
            row = {name: getattr(mention, name) for name in MENTION_FIELDS}
            click.echo(json.dumps(row, ensure_ascii=False) if out_format == "jsonl" else "\t".join(map(str, row.values())))
    sys.exit(1 if failed else 0)


def _stdin_record(line_number: int, line: str):
    from pipeline.read.records import MALFORMED, Rejection, make_record

    position = f"line {line_number}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        return Rejection("<stdin>", position, f"{MALFORMED}: {err.msg} at column {err.colno}")
    if not isinstance(obj, dict):
        return Rejection("<stdin>", position, f"{MALFORMED}: not a JSON object")
    return make_record("<stdin>", position, obj.get("id", str(line_number)), "", obj.get("text"))


def main() -> None:
    """Console entry point."""
    cli(prog_name="neuroconcepts")
