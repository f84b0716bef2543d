"""Module-level functions the extraction-worker tests send to a worker (it imports them by name)."""

from __future__ import annotations

import os


def echo(value: object) -> object:
    return value


def pid() -> int:
    return os.getpid()


def fail(message: str) -> None:
    raise ValueError(message)


def die() -> None:
    os._exit(3)  # what a segfaulting parser or the OOM killer looks like to the crawl
