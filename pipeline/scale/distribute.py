"""Run the partitions of an extract: in this process, on a pool of processes, or on Dask.

Three engines give the same parts (the plan may differ with the number of workers; the
parts, joined in corpus order, do not):

- one worker (the default): every partition in this process, with the caller's pipeline;
- `processes` with N workers: a pool of N processes (concurrent.futures). On Linux, from
  a process that runs no other Python thread, the workers are forked: they begin with the
  caller's pipeline. Otherwise they are spawned, and each loads the pipeline once from its
  serialized copy (config and nlp.to_bytes(), which carries the concept matcher's
  knowledge base and tokenized patterns: nothing is built again). They start (and import
  their modules) while the parent serializes it, and the copy reaches them through a
  temporary file in the parts folder, read at their first partition, not through the pipe
  that starts a worker (the parent would wait on that pipe while the worker imports, and
  so start the workers one after another);
- `dask`: a Dask cluster, an existing one (`scheduler` = its address) or a LocalCluster
  of N single-threaded worker processes. The serialized pipeline is scattered to every
  worker once. Workers read the inputs and write the parts themselves, so on a real
  cluster the inputs, the output folder and the installation with its models (the
  knowledge-base files the pipeline's components are made from) must be on a file system
  they all see; each worker builds the linker's index into its own cache folder once.

The work is two passes: the planning pass (every input file read once, in parallel: ids,
to find duplicate ids across partitions, and where each record starts), then annotation
of every partition not already finished (see pipeline.scale.partition).

Workers die with the process that started them: a pool worker asks the kernel for
SIGKILL when its parent dies (Linux's PR_SET_PDEATHSIG) and also checks every second
that its parent is alive (other systems); Dask's LocalCluster workers end themselves
when their parent goes (distributed's own parent-alive pipe). SIGINT (Ctrl-C) is left to
the parent: pool workers ignore it, and the parent, on KeyboardInterrupt or any other
error, cancels what has not started, terminates the workers and returns at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import logging
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterator, Sequence

from spacy.language import Language
from spacy.util import load_model_from_config
from thinc.api import Config
from tqdm import tqdm

import pipeline.annotate.nlp  # noqa: F401  (registers the pipeline's components and its warning filters, in every worker)
from pipeline.errors import RunError
from pipeline.read import FieldMap
from pipeline.scale.partition import (
    Partition, PartitionResult, PartitionTask, fingerprint, finished, plan_partitions, run_partition, scan_unit, scan_units,
)

ENGINES = ("processes", "dask")
SCHEDULER_TIMEOUT = 30  # seconds to wait for a Dask scheduler given by address
PR_SET_PDEATHSIG = 1  # prctl(2) option: the signal a process gets when its parent dies

_PIPELINES: dict[str, Language] = {}  # pipelines loaded in this (worker) process, by digest


def serialize_pipeline(nlp: Language) -> bytes:
    """The pipeline as spaCy serializes it: its config and nlp.to_bytes() (vocabulary,
    tokenizer, the concept matcher's knowledge base and patterns, trained weights)."""
    return pickle.dumps((nlp.config.to_str(), nlp.to_bytes()))


def load_pipeline(key: str, payload: bytes | Path | None = None) -> Language:
    """The pipeline with this digest, loaded once per process from its serialized copy (the
    bytes, or a file of them). Its objects (the knowledge base's and patterns': a million or
    so) are made with the cycle collector paused, and then frozen (gc.freeze), so that no
    later full collection of the worker visits them again."""
    if key not in _PIPELINES:
        config, data = pickle.loads(payload.read_bytes() if isinstance(payload, Path) else payload)
        gc.disable()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # scispaCy's tokenizer regexes, compiled again
                nlp = load_model_from_config(Config().from_str(config), auto_fill=False)
            _PIPELINES[key] = nlp.from_bytes(data)
        finally:
            gc.enable()
        gc.freeze()
    return _PIPELINES[key]


def _start_worker(parent: int) -> None:
    """Initializer of a pool worker: die with the parent, leave SIGINT to it."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent while it started this process


def _start_method() -> str:
    """How pool workers start: `fork` on Linux when this process runs no Python thread but the
    main one (a copy has only the thread that forked, so a lock another thread held would stay
    held in it; the native libraries' own threads, Arrow's and OpenBLAS's, are made safe by their
    fork handlers), else `spawn`: a fresh interpreter that loads the serialized pipeline."""
    return "fork" if sys.platform.startswith("linux") and threading.active_count() == 1 else "spawn"


def _die_with(parent: int) -> None:
    """End this process when the process `parent` ends, however it ends (kill -9 too)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Exit as soon as this process's parent is no longer `parent` (it died; the process was re-parented)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


@contextlib.contextmanager
def _sigint_blocked():
    """SIGINT held back from this thread meanwhile; processes started here begin with it blocked."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def _dask_logs_silenced():
    """Dask's and tornado's loggers held back meanwhile: what goes wrong reaches the caller as
    an exception (a task's error, an unreachable scheduler, a lost worker), while an interrupt
    makes distributed log its own teardown tracebacks on stderr, around the one-line error."""
    names = {"distributed", "tornado", *(n for n in logging.root.manager.loggerDict if n.split(".")[0] in ("distributed", "tornado"))}
    loggers = [logging.getLogger(name) for name in sorted(names)]  # distributed gives some (tornado.application) levels of their own
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _stop_pool(pool: ProcessPoolExecutor, exc_type, *_) -> bool:
    """Shut the pool down: after success, without waiting for the workers to exit (they have
    nothing left to do, and the caller joins the parts meanwhile); after an error or an
    interrupt, cancel the partitions not started and terminate the workers at once."""
    if exc_type is None:
        pool.shutdown(wait=False)
        return False
    # No public way to stop running workers before Python 3.14: the pool's processes and its
    # manager thread, joined here so that it is done before the interpreter's exit wakes it.
    processes, manager = list((pool._processes or {}).values()), pool._executor_manager_thread
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
    if manager is not None:
        manager.join()
    return False


def _annotate_task(task: PartitionTask, key: str, payload: bytes | Path | None = None, progress: bool = False) -> PartitionResult:
    return run_partition(task, load_pipeline(key, payload), progress)


class _Runner:
    """Runs a function over many argument tuples on the chosen engine; yields (position,
    result) as each finishes. The pipeline is known to the workers by `key`; `payload` is its
    serialized copy: on Dask scattered to every worker, for the pool a file in the parts folder."""

    def __init__(self, nlp: Language, engine: str, workers: int, scheduler: str | None, parts_dir: Path) -> None:
        self.stack = contextlib.ExitStack()
        self.payload = None
        self.workers = workers  # tasks that run at once (a remote Dask cluster's threads)
        self._submit = None
        if engine == "processes" and workers == 1:
            self._share(nlp)
            return
        try:
            self._start(nlp, engine, workers, scheduler, parts_dir)
        except BaseException:
            self.stack.__exit__(*sys.exc_info())
            raise

    def _start(self, nlp: Language, engine: str, workers: int, scheduler: str | None, parts_dir: Path) -> None:
        """Start the pool or connect to Dask, with the serialized pipeline."""
        if engine == "dask":
            payload = self._serialize(nlp)
            from distributed import as_completed as dask_completed

            self.stack.enter_context(_dask_logs_silenced())
            client = self.stack.enter_context(self._dask_client(workers, scheduler))
            if scheduler:
                self.workers = max(1, sum(w["nthreads"] for w in client.scheduler_info()["workers"].values()))
            self.payload = client.scatter(payload, broadcast=True, hash=False)
            self._submit, self._completed = partial(client.submit, pure=False), dask_completed
        else:
            context = get_context(_start_method())
            forked = context.get_start_method() == "fork"
            if forked:  # the workers begin as copies of this process, with the pipeline loaded
                self._share(nlp)
                gc.freeze()  # the copies' collections then leave this heap's pages unwritten, and so shared
            else:
                parts_dir.mkdir(parents=True, exist_ok=True)
                payload_file = self.stack.enter_context(tempfile.NamedTemporaryFile(dir=parts_dir, prefix=".pipeline-", suffix=".tmp"))
            pool = ProcessPoolExecutor(workers, context, _start_worker, (os.getpid(),))
            self.stack.push(lambda *exc_info: _stop_pool(pool, *exc_info))
            with _sigint_blocked():  # the pool starts a process for each task while none is idle: all start now
                for _ in range(workers):  # (spawned ones import their modules while the pipeline is serialized)
                    pool.submit(int)
            if forked:
                gc.unfreeze()
            else:
                payload_file.write(self._serialize(nlp))
                payload_file.flush()
                self.payload = Path(payload_file.name)
            self._submit, self._completed = pool.submit, as_completed

    def _share(self, nlp: Language) -> None:
        """Make the caller's pipeline this process's (and its forked copies') pipeline `key`, until the runner ends."""
        self.key = f"in-process-{id(nlp)}"
        _PIPELINES[self.key] = nlp
        self.stack.callback(_PIPELINES.pop, self.key, None)

    def _serialize(self, nlp: Language) -> bytes:
        """The serialized pipeline; `key` becomes its digest."""
        payload = serialize_pipeline(nlp)
        self.key = hashlib.sha256(payload).hexdigest()
        return payload

    def _dask_client(self, workers: int, scheduler: str | None):
        from distributed import Client, LocalCluster

        if scheduler:
            try:
                return Client(scheduler, timeout=SCHEDULER_TIMEOUT)
            except (OSError, ValueError) as err:
                raise RunError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({err})") from None
        cluster = self.stack.enter_context(LocalCluster(
            # the workers' own loggers too: after an interrupt a worker logs the lost scheduler as an ERROR
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL,
        ))
        return Client(cluster)

    @property
    def in_process(self) -> bool:
        return self._submit is None

    def map(self, function: Callable, args: Sequence[tuple]) -> Iterator[tuple[int, object]]:
        if self._submit is None:
            for n, arguments in enumerate(args):
                yield n, function(*arguments)
            return
        with _sigint_blocked():  # worker processes start here, and must not start taking SIGINT
            futures = {self._submit(function, *arguments): n for n, arguments in enumerate(args)}
        for future in self._completed(futures):
            yield futures[future], future.result()


def run_partitions(
    files: Sequence[tuple[Path, str]],
    fields: FieldMap,
    parts_dir: str | Path,
    nlp: Language,
    engine: str = "processes",
    workers: int = 1,
    scheduler: str | None = None,
    partition_size: int | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> tuple[list[Partition], list[PartitionResult]]:
    """Plan the partitions of the input files (from list_inputs; `partition_size` None: the
    default plan, see pipeline.scale.partition) and annotate every one not already finished in
    parts_dir; the partitions and their results, in partition order."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    runner = _Runner(nlp, engine, workers, scheduler, Path(parts_dir))
    with runner.stack:  # on an error or an interrupt, workers are stopped at once (_stop_pool)
        units = scan_units(files)
        scans = dict(runner.map(scan_unit, [(unit, fields) for unit in units]))
        partitions, duplicates = plan_partitions(units, [scans.pop(n) for n in range(len(units))], partition_size, runner.workers)
        tasks = [
            PartitionTask(p, fields, duplicates[p.index], str(parts_dir), fingerprint(p, fields, duplicates[p.index], nlp))
            for p in partitions
        ]
        results = {task.partition.index: done for task in tasks if (done := finished(task)) is not None}
        if results and log:
            log(f"resuming: {len(results)} of {len(tasks)} partitions already done in {parts_dir}")
        todo = [task for task in tasks if task.partition.index not in results]
        args = [(task, runner.key, runner.payload, progress and runner.in_process) for task in todo]
        with tqdm(total=len(todo), desc="partitions", disable=not progress or runner.in_process, leave=False) as bar:
            for n, result in runner.map(_annotate_task, args):
                results[todo[n].partition.index] = result
                bar.update()
    return partitions, [results[p.index] for p in partitions]
