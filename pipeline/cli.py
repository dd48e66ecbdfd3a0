"""The neuroconcepts command line: thin click commands over pipeline.workflow."""

from __future__ import annotations

import json
import math
import os
import sys
from functools import partial, wraps
from pathlib import Path

import click
from pyarrow import ArrowException

from pipeline import __version__
from pipeline.annotate.ner import DEFAULT_POLICY, MERGE_POLICIES
from pipeline.annotate.nlp import build_nlp
from pipeline.errors import InputError, KnowledgeBaseError, RunError
from pipeline.export import EXPORTS
from pipeline.graph.build import METRICS, WINDOWS
from pipeline.kb import DEFAULT_KB_DIR, load_kb, read_kb
from pipeline.kb.hierarchy import LEVELS
from pipeline.kb.stats import kb_stats
from pipeline.read import FORMATS, FieldMap
from pipeline.scale.distribute import ENGINES
from pipeline.scale.partition import PARTITION_SIZE, PARTITIONS_PER_WORKER
from pipeline.workflow import GRAPH_FILE, check_graph_output, check_knowledge_base, diff, extract, graph, graph_summary, run

# `annotate`'s columns: every column of mentions.parquet, the first seven first (the order of earlier versions).
MENTION_FIELDS = (
    "doc_id", "start", "end", "text", "label", "concept_id", "concept_name",
    "sent_id", "source", "abbreviation", "linked", "negated", "hedged",
)
INTERRUPTED = 130  # the exit status of a command stopped by SIGINT (128 + 2), as shells report it
TRACEBACK_VARIABLE = "NEUROCONCEPTS_TRACEBACK"  # set to 1 to see the traceback of an unexpected error


def _one_line(text) -> str:
    """A message on one line: line breaks (in a file name, say) written as \\n."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


def _fail_cleanly(command):
    """Every error ends the command with one line on stderr, never a traceback: exit 1 for
    input, knowledge-base and run errors, failed reads and writes (a read-only or full
    disk) and unexpected errors; 130 for SIGINT; 1 and nothing said when stdout's reader
    went away (Python's advice for SIGPIPE). Usage errors stay click's (exit 2)."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (InputError, KnowledgeBaseError, RunError) as err:
            message = f"error: {err}"
        except BrokenPipeError:  # the reader of stdout stopped (`annotate - | head`): nothing more to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as err:
            message = f"error: {err.filename}: {err.strerror or err}" if err.filename is not None else f"error: {err}"
        except ArrowException as err:  # a table that is not what it should be (corrupt in place)
            message = f"error: unreadable table data ({err})"
        except KeyboardInterrupt:
            click.echo("neuroconcepts: interrupted", err=True)
            sys.exit(INTERRUPTED)
        except Exception as err:
            if os.environ.get(TRACEBACK_VARIABLE) == "1":
                raise
            message = f"internal error: {type(err).__name__}: {err} (set {TRACEBACK_VARIABLE}=1 for the traceback)"
        click.echo(f"neuroconcepts: {_one_line(message)}", err=True)
        sys.exit(1)
    return wrapper


def _a_number(ctx, param, value):
    """Reject NaN, which click's FloatRange lets through (every comparison with it is false)."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("nan is not a number")
    return value


def _check_output(out_file, directories, exports=()) -> None:
    """A usage error when the output would overwrite one of the extract folders' files."""
    try:
        check_graph_output(out_file, directories, exports)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--out") from None


def _nlp_options(command):
    command = click.option("--kb", "kb_dir", type=click.Path(exists=True, file_okay=False), help="Knowledge base folder (default: models/kb).")(command)
    command = click.option("--kb-extra", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Extra concepts or synonyms, a TSV in the knowledge-base format (repeatable).")(command)
    return command


def _ner_options(command):
    command = click.option("--ner/--no-ner", default=None, help="Use the trained NER of models/ner with the knowledge base (default: on when the model is present).")(command)
    command = click.option("--merge-policy", type=click.Choice(MERGE_POLICIES), default=DEFAULT_POLICY, show_default=True,
                           help="How the NER's entities and the knowledge base's are merged (README, NER and linking).")(command)
    return command


def _reader_options(command):
    command = click.option("--format", "fmt", type=click.Choice(FORMATS), help="Input format (default: from each file's extension).")(command)
    command = click.option("--field", "field_map", multiple=True, metavar="ROLE=NAME", help="Input field names for JSONL/CSV, e.g. --field abstract=AB (roles: id, title, abstract, year, journal).")(command)
    return command


def _graph_options(command):
    command = click.option("--level", type=click.Choice(LEVELS), default="leaf", show_default=True, help="Roll concepts up the knowledge base: leaf (as found), region (e.g. BLA and CeA -> amygdala) or system (e.g. VTA -> mesolimbic dopamine system).")(command)
    command = click.option("--window", type=click.Choice(WINDOWS), default="sentence", show_default=True, help="Co-occurrence window.")(command)
    command = click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True, help="Keep concepts in at least this many documents, and pairs sharing at least this many windows.")(command)
    return command


def _analytics_options(command):
    """--metric, --top-k, --backbone, --exclude-negated and --export, passed on as `analytics`."""
    @wraps(command)
    def wrapper(*args, metric, top_k, backbone, exclude_negated, exports, **kwargs):
        analytics = {"metric": metric, "top_k": top_k, "backbone": backbone, "exclude_negated": exclude_negated, "exports": exports}
        return command(*args, analytics=analytics, **kwargs)

    for option in (
        click.option("--export", "exports", multiple=True, type=click.Choice(EXPORTS), help="Also write the graph in this format beside the GraphML file (repeatable; see README, Graph analytics)."),
        click.option("--exclude-negated", is_flag=True, help="Leave out negated mentions (\"did not alter X\") from every count."),
        click.option("--backbone", type=click.FloatRange(min=0, max=1, min_open=True), callback=_a_number, metavar="ALPHA", help="Keep only the edges the disparity filter finds significant at ALPHA (e.g. 0.05)."),
        click.option("--top-k", type=click.IntRange(min=0), default=0, show_default=True, help="Keep each concept's K strongest edges by --metric (0: all)."),
        click.option("--metric", type=click.Choice(METRICS), default="count", show_default=True, help="Statistic written as the edge weight: count (windows shared), npmi, association_strength, jaccard or log_likelihood."),
    ):
        wrapper = option(wrapper)
    return wrapper


def _scale_options(command):
    """--workers, --engine, --scheduler, --partition-size and --keep-parts, passed on as `scale`."""
    @wraps(command)
    def wrapper(*args, workers, engine, scheduler, partition_size, keep_parts, **kwargs):
        if scheduler and engine != "dask":
            raise click.UsageError("--scheduler needs --engine dask")
        log = None if kwargs.get("quiet") else partial(click.echo, err=True)
        scale = {"workers": workers, "engine": engine, "scheduler": scheduler, "partition_size": partition_size,
                 "keep_parts": keep_parts, "log": log}
        return command(*args, scale=scale, **kwargs)

    for option in (
        click.option("--keep-parts", is_flag=True, help="Keep the per-partition outputs in OUT/parts/ (see README, Scale)."),
        click.option("--partition-size", type=click.IntRange(min=1), help=f"Records per partition of a big JSONL/CSV/TSV file, and text files per partition (a PubMed XML file is always one partition). Default: at most {PARTITION_SIZE:,}, and small enough for {PARTITIONS_PER_WORKER} partitions per worker."),
        click.option("--scheduler", metavar="ADDRESS", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --engine dask; default: a local cluster of --workers processes)."),
        click.option("--engine", type=click.Choice(ENGINES), default="processes", show_default=True, help="Run partitions on local processes or on Dask."),
        click.option("--workers", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes (for --engine dask without --scheduler: workers of the local cluster)."),
    ):
        wrapper = option(wrapper)
    return wrapper


def _unlinked_option(command):
    return click.option("--unlinked/--no-unlinked", default=True, show_default=True,
                        help="Keep the concepts of NER mentions linked to no knowledge-base concept (NC:unlinked:..., linked = false), or leave them out of the graph.")(command)


def _quiet_option(command):
    return click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")(command)


def _fields(field_map: tuple[str, ...]) -> FieldMap:
    try:
        return FieldMap.parse(field_map)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--field") from None


def _load_kb(kb_dir, kb_extra):
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
@_ner_options
@_quiet_option
@_scale_options
@_fail_cleanly
def extract_command(inputs, out_dir, fmt, field_map, kb_dir, kb_extra, ner, merge_policy, quiet, scale):
    """Annotate a corpus: mentions, documents, rejects and co-occurrence counts in --out.

    INPUTS are files or folders: .txt (one document each), .jsonl, .csv, .tsv, PubMed
    .xml or .xml.gz.

    \b
    Example:
      neuroconcepts extract pubmed25n0001.xml.gz abstracts.jsonl --out out/x
      neuroconcepts extract baseline/ --out out/base --workers 2
      neuroconcepts extract baseline/ --out out/base --engine dask --scheduler tcp://head:8786
    """
    summary = extract(inputs, out_dir, build_nlp(kb_dir, kb_extra, ner, merge_policy), fmt, _fields(field_map), _progress(quiet), **scale)
    if not quiet:
        _echo_extract(summary, Path(out_dir))


@cli.command("graph")
@click.argument("directories", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help=f"GraphML file (default: DIR/{GRAPH_FILE} of the first DIR).")
@_graph_options
@_analytics_options
@_unlinked_option
@_nlp_options
@_quiet_option
@_fail_cleanly
def graph_command(directories, out_file, window, min_count, level, analytics, unlinked, kb_dir, kb_extra, quiet):
    """Build the concept graph from one or more extract folders (their counts are added up).

    \b
    Example:
      neuroconcepts graph out/baseline out/update --window document --min-count 2 --out both.graphml
      neuroconcepts graph out/demo --level system --out out/demo/systems.graphml
      neuroconcepts graph out/demo --metric association_strength --top-k 5 --exclude-negated --export html --export gexf
      neuroconcepts graph out/demo --no-unlinked --out out/demo/linked.graphml
    """
    out_file = Path(out_file or Path(directories[0]) / GRAPH_FILE)
    _check_output(out_file, directories, analytics["exports"])
    concept_graph = graph(directories, out_file, _load_kb(kb_dir, kb_extra), window, min_count, level, **analytics, unlinked=unlinked)
    if not quiet:
        _echo_graph(graph_summary(concept_graph), out_file)


@cli.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@_reader_options
@_graph_options
@_analytics_options
@_unlinked_option
@_nlp_options
@_ner_options
@_quiet_option
@_scale_options
@_fail_cleanly
def run_command(inputs, out_dir, fmt, field_map, window, min_count, level, analytics, unlinked, kb_dir, kb_extra, ner, merge_policy, quiet, scale):
    """Extract and graph in one go: tables, counts, graph.graphml and summary.json in --out.

    \b
    Example:
      neuroconcepts run corpora/demo --out out/demo
    """
    out_dir = Path(out_dir)
    fields = _fields(field_map)
    nlp = build_nlp(kb_dir, kb_extra, ner, merge_policy)
    extract_options = {"fmt": fmt, "fields": fields, "progress": _progress(quiet), **scale}
    graph_options = {"window": window, "min_count": min_count, "level": level, **analytics, "unlinked": unlinked}
    summary, _ = run(inputs, out_dir, nlp, extract_options, graph_options)
    if not quiet:
        _echo_extract(summary, out_dir)
        _echo_graph(summary["graph"], out_dir / GRAPH_FILE)


@cli.command("view")
@click.argument("graphml", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="HTML file (default: the GraphML file with .html).")
@click.option("--png", "png_file", type=click.Path(dir_okay=False), help="Also draw a static PNG here.")
@click.option("--title", help="Page title (default: the file name).")
@_fail_cleanly
def view_command(graphml, out_file, png_file, title):
    """Write a self-contained HTML viewer of a graph (works offline), and optionally a PNG.

    \b
    Example:
      neuroconcepts view out/demo/graph.graphml --out graph.html --png graph.png
    """
    from pipeline.export.graphml import read_graphml
    from pipeline.export.view import write_html, write_png

    concept_graph = read_graphml(graphml)
    out_file = Path(out_file or Path(graphml).with_suffix(".html"))
    write_html(concept_graph, out_file, title)
    click.echo(f"wrote {out_file}")
    if png_file:
        write_png(concept_graph, png_file, title)
        click.echo(f"wrote {png_file}")


@cli.command("diff")
@click.argument("corpus_a", type=click.Path(exists=True, file_okay=False))
@click.argument("corpus_b", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="GraphML file of the difference graph.")
@_graph_options
@click.option("--resamples", type=click.IntRange(min=2), default=200, show_default=True, help="Bootstrap resamples of the documents.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option("--exclude-negated", is_flag=True, help="Leave out negated mentions.")
@click.option("--export", "exports", multiple=True, type=click.Choice([e for e in EXPORTS if e != "mentions"]), help="Also write the difference graph in this format (repeatable).")
@_nlp_options
@_fail_cleanly
def diff_command(corpus_a, corpus_b, out_file, window, min_count, level, resamples, seed, exclude_negated, exports, kb_dir, kb_extra):
    """Contrast two extract folders: change per edge (share of windows in B minus in A) with a bootstrap interval.

    \b
    Example:
      neuroconcepts diff out/withdrawal out/craving --out contrast.graphml --window document --export csv
    """
    _check_output(out_file, [corpus_a, corpus_b], exports)
    difference = diff(corpus_a, corpus_b, out_file, _load_kb(kb_dir, kb_extra), window, min_count, level, resamples, seed,
                      exclude_negated, exports)
    rising = sorted(difference.edges(data=True), key=lambda e: (-e[2]["change"], e[0], e[1]))[:5]
    click.echo(f"difference graph  {difference.number_of_nodes()} nodes, {difference.number_of_edges()} edges -> {out_file}")
    for u, v, d in rising:
        click.echo(f"  {d['change']:+.4f} [{d['change_low']:+.4f}, {d['change_high']:+.4f}]  "
                   f"{difference.nodes[u]['name']} -- {difference.nodes[v]['name']}")


@cli.command("annotate")
@click.argument("text", required=False, default="-")
@click.option("--format", "out_format", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True, help="One JSON object per mention, or a tab-separated table.")
@_nlp_options
@_ner_options
@_fail_cleanly
def annotate_command(text, out_format, kb_dir, kb_extra, ner, merge_policy):
    """Print the concept mentions of TEXT, or of JSONL lines {"id": ..., "text": ...} on stdin (-).

    \b
    Examples:
      neuroconcepts annotate "Morphine withdrawal activates the locus coeruleus (LC)."
      cat docs.jsonl | neuroconcepts annotate - --format table
    """
    from pipeline.read.jsonl import read_id_text_lines
    from pipeline.read.records import make_record
    from pipeline.workflow import annotate_records

    nlp = build_nlp(kb_dir, kb_extra, ner, merge_policy)
    if text == "-":
        items = read_id_text_lines(sys.stdin.buffer)
    else:
        items = [make_record("<argument>", "", "text", "", text)]
    rejected = []

    def reject(item):
        rejected.append(item)
        where = f"{item.source}:{item.position}" if item.position else item.source
        click.echo(f"neuroconcepts: {where}: {_one_line(item.reason)}", err=True)

    if out_format == "table":
        click.echo("\t".join(MENTION_FIELDS))
    for document in annotate_records(items, nlp, reject):
        for mention in document.mentions:
            row = {name: getattr(mention, name) for name in MENTION_FIELDS}
            click.echo(json.dumps(row, ensure_ascii=False) if out_format == "jsonl" else "\t".join(map(_table_cell, row.values())))
    sys.exit(1 if rejected else 0)


def _table_cell(value) -> str:
    """A cell of `annotate --format table`: backslash, tab, newline and carriage return escaped as \\\\, \\t, \\n, \\r."""
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@cli.group("kb")
def kb_group():
    """Check and count the knowledge base (models/kb, or --kb)."""


@kb_group.command("check")
@_nlp_options
@_fail_cleanly
def kb_check_command(kb_dir, kb_extra):
    """Fail, listing every problem, on duplicate ids, shared aliases with no rule, broken relations or cycles.

    \b
    Example:
      neuroconcepts kb check --kb-extra my_terms.tsv
    """
    problems = check_knowledge_base(kb_dir or DEFAULT_KB_DIR, kb_extra)
    for problem in problems:
        click.echo(f"neuroconcepts: kb: {problem}", err=True)
    if problems:
        click.echo(f"neuroconcepts: kb check failed: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("kb check: ok")


@kb_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_nlp_options
@_fail_cleanly
def kb_stats_command(as_json, kb_dir, kb_extra):
    """Concepts, aliases and relations per type.

    \b
    Example:
      neuroconcepts kb stats --json
    """
    stats = kb_stats(read_kb(kb_dir or DEFAULT_KB_DIR, kb_extra))
    if as_json:
        click.echo(json.dumps(stats, indent=2, sort_keys=True))
        return
    click.echo(f"{'type':<15}{'concepts':>10}{'aliases':>10}{'part_of':>10}{'member_of':>11}{'is_a':>8}")
    for label, n in stats["concepts_by_type"].items():
        relations = stats["relations_by_type"][label]
        click.echo(f"{label:<15}{n:>10}{stats['aliases_by_type'][label]:>10}{relations['part_of']:>10}{relations['member_of']:>11}{relations['is_a']:>8}")
    click.echo(f"{'total':<15}{stats['concepts']:>10}{sum(stats['aliases_by_type'].values()):>10}   alias rules: {stats['alias_rules']}")


@cli.command("eval")
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False), help="Folder for eval.md and eval.json.")
@click.option("--shared", type=click.Path(file_okay=False), help="Reference corpora folder (default: ../shared/corpora); corpora absent from it are skipped.")
@click.option("--iob", "iob_file", type=click.Path(dir_okay=False), help="Score only this IOB file (TOKEN<TAB>TAG lines, a blank line after each sentence) on its own types; nothing is written.")
@click.option("--json", "as_json", is_flag=True, help="With --iob: print one JSON object (sentences, types, all).")
@_nlp_options
@_ner_options
@_fail_cleanly
def eval_command(out_dir, shared, iob_file, as_json, kb_dir, kb_extra, ner, merge_policy):
    """Score the extraction against gold corpora (WhiteText dev, AnatEM test, BC5CDR and
    NCBI disease devel, corpora/gold), or against one IOB file (--iob).

    Strict and lenient precision, recall and F1 per label, for the lexicon alone, the
    NER alone and both combined (and the other ways of merging them); linking accuracy.
    With --iob, the whole pipeline's strict precision, recall and F1 on the file's types
    (Chemical <- DRUG, NEUROCHEMICAL; Disease <- DISORDER, SYMPTOM; a type named as one of
    our labels <- that label; README, Evaluation).

    \b
    Example:
      neuroconcepts eval --out reports
      neuroconcepts eval --iob ../shared/corpora/bc5cdr/devel.tsv --json
    """
    from pipeline.evaluate.evaluation import DEFAULT_SHARED, evaluate_iob, evaluate_pipelines
    from pipeline.evaluate.report import iob_lines, summary_lines, write_report

    if as_json and not iob_file:
        raise click.UsageError("--json needs --iob FILE")
    if iob_file:
        results = evaluate_iob(build_nlp(kb_dir, kb_extra, ner, merge_policy), iob_file)
        click.echo(json.dumps(results, sort_keys=True) if as_json else "\n".join(iob_lines(results, iob_file)))
        return
    results = evaluate_pipelines(Path(shared) if shared else DEFAULT_SHARED, kb_dir, kb_extra, ner, merge_policy)
    for line in summary_lines(results):
        click.echo(line)
    for path in write_report(results, out_dir):
        click.echo(f"wrote {path}")


@cli.command("bench")
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False), help="Folder for bench.md, bench.json and profiles.")
@click.option("--shared", type=click.Path(file_okay=False), help="Reference corpora folder (default: ../shared/corpora); without WhiteText the demo corpus is used.")
@click.option("--quick", is_flag=True, help="Small sizes, a run of two or three minutes (to check the benchmark itself; the numbers mean little).")
@click.option("--only", type=click.Choice(["scaling", "throughput"]), help="Take this measurement alone (about 6 and 4 minutes), into the report --out holds.")
def bench_command(out_dir, shared, quick, only):
    """Benchmark throughput per core (tokenizer, scispaCy's stock stack, lexicon and NER modes),
    agreement with the stock stack, memory, scaling to 2 workers and GraphML export.

    Run it on an otherwise idle machine: it takes about 15 minutes.

    \b
    Example:
      neuroconcepts bench --out reports
    """
    from pipeline.bench import FULL, QUICK, run_bench
    from pipeline.evaluate.evaluation import DEFAULT_SHARED

    command = " ".join(["neuroconcepts", *sys.argv[1:]])
    results = run_bench(out_dir, Path(shared) if shared else DEFAULT_SHARED, QUICK if quick else FULL, command,
                        partial(click.echo, err=True), only)
    for name, check in results["checks"].items():
        click.echo(f"{name:<24}{check['value']:>10}  target {check['target']:<8} {'met' if check['met'] else 'MISSED'}")
    click.echo(f"wrote {Path(out_dir) / 'bench.md'}")


def main() -> None:
    """Console entry point."""
    cli(prog_name="neuroconcepts")
