"""Opening input files, compressed or not."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import InputError


def open_binary(path: str | Path) -> BinaryIO:
    """Open a file for reading bytes, decompressing it when its name ends in .gz."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            handle = gzip.open(path, "rb")
            handle.peek(1)  # a file that is not gzip fails here, not mid-corpus
            return handle
        return open(path, "rb")
    except gzip.BadGzipFile as err:
        raise InputError(str(path), "", f"not a gzip file ({err})") from None
    except OSError as err:
        raise InputError(str(path), "", err.strerror or str(err)) from None
