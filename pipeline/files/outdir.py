"""An extract output folder: one run at a time, and a record that the last run finished.

- OUT/.lock (LOCK_FILE): a run writing into the folder holds an exclusive lock on it
  (fcntl.flock, released by the kernel however the process ends) and writes into it its
  pid, host, command and start time, so a second run fails naming the holder; `graph`
  and `diff` hold a shared lock on the folders they read, so no run rewrites them meanwhile.
- OUT/complete.json (COMPLETE_FILE): written last, atomically, by a run that finished,
  with the size of every table it wrote; removed first by a run that starts. `graph`
  and `diff` read only a folder that has it and whose tables still have those sizes, so
  a folder whose last run was killed (even in the middle of joining its tables) is an
  error, never a silent mix of two runs.
- A run starts by removing what killed runs leave behind: temporary files of atomic
  writes (.NAME.XXXX.tmp) and graph's scratch folders (.counts-*).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Iterator, Sequence

from pipeline import __version__
from pipeline.errors import InputError, RunError
from pipeline.files.atomic import atomic_open

LOCK_FILE = ".lock"
COMPLETE_FILE = "complete.json"
STALE_PATTERNS = (".*.tmp", ".counts-*")

_held: dict[Path, list] = {}  # folders this process holds exclusively: [lock file descriptor, depth]


def _holder(fd: int) -> str:
    """Who holds a lock, from what the holder wrote into the lock file."""
    try:
        info = json.loads(os.pread(fd, 65536, 0).decode("utf-8"))
        return f"pid {info['pid']} on {info['host']}, since {info['started']}: {info['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a graph or diff reading it"


@contextlib.contextmanager
def exclusive(out_dir: str | Path, command: str | None = None) -> Iterator[None]:
    """Hold the folder's lock for writing, creating the folder; RunError when another
    run holds it. Re-entrant within a process (`run` holds it over extract and graph)."""
    key = Path(out_dir).resolve()
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _held[key][1] -= 1
        return
    key.mkdir(parents=True, exist_ok=True)
    fd = os.open(key / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunError(f"{out_dir}: in use by another run ({_holder(fd)})") from None
        info = {
            "pid": os.getpid(), "host": socket.gethostname(), "command": command or " ".join(["neuroconcepts", *sys.argv[1:]]),
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info, sort_keys=True) + "\n").encode("utf-8"), 0)
        _held[key] = [fd, 1]
        try:
            yield
        finally:
            del _held[key]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)  # also for the copies of fd that forked workers still hold
    finally:
        os.close(fd)


@contextlib.contextmanager
def shared(directories: Sequence[str | Path]) -> Iterator[None]:
    """Hold the locks of extract folders for reading, after checking that their last run
    finished (check_complete); InputError or RunError otherwise."""
    with contextlib.ExitStack() as stack:
        for directory in directories:
            key = Path(directory).resolve()
            if key not in _held:
                try:
                    fd = os.open(key / LOCK_FILE, os.O_RDONLY)
                except FileNotFoundError:
                    fd = None
                if fd is not None:
                    stack.callback(os.close, fd)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    except BlockingIOError:
                        raise RunError(f"{directory}: a run is writing into it ({_holder(fd)})") from None
            check_complete(directory)
        yield


def start(out_dir: str | Path) -> None:
    """Begin a run in a folder whose lock is held: remove its completion record (the
    folder is unfinished from now on) and what killed runs left behind."""
    out_dir = Path(out_dir)
    (out_dir / COMPLETE_FILE).unlink(missing_ok=True)
    for folder in (out_dir, *sorted(out_dir.glob("parts/*/"))):
        for pattern in STALE_PATTERNS:
            for path in folder.glob(pattern):
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)


def finish(out_dir: str | Path, command: str, tables: Sequence[str]) -> None:
    """Write the completion record, last: the command and the size of every table."""
    out_dir = Path(out_dir)
    record = {"command": command, "version": __version__, "files": {name: (out_dir / name).stat().st_size for name in tables}}
    with atomic_open(out_dir / COMPLETE_FILE) as handle:
        json.dump(record, handle, indent=2, sort_keys=True)
        handle.write("\n")


def check_complete(directory: str | Path) -> None:
    """InputError unless the folder's last run finished and its tables are as it left them."""
    directory = Path(directory)
    path = directory / COMPLETE_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        files = dict(record["files"])
    except FileNotFoundError:
        if (directory / LOCK_FILE).exists():
            raise InputError(str(directory), "", "the last run into this folder did not finish (no complete.json): run it again") from None
        raise InputError(str(directory), "", f"not an extract output folder (no {COMPLETE_FILE})") from None
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(str(path), "", f"unreadable completion record ({err})") from None
    for name, size in sorted(files.items()):
        try:
            actual = (directory / name).stat().st_size
        except FileNotFoundError:
            actual = None
        if actual != size:
            found = "missing" if actual is None else f"{actual:,} bytes"
            raise InputError(str(directory / name), "", f"changed since the run that wrote it finished ({size:,} bytes then, {found} now): run it again")
