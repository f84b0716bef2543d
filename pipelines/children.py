"""Child processes that die with their parent (Linux ``PR_SET_PDEATHSIG``), and their peak memory.

A crawl subprocess of a killed Airflow task, or a SeaweedFS started by a test, must not live on as
an orphan that keeps writing into the bucket while a retry runs. :func:`peak_rss_kib` reads how
much memory a (child) process has used at most, for the tests and benchmarks that bound it.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import select
import signal
import sys
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Resolved once here: the child between fork and exec should not dlopen (loader locks).
_PRCTL = _load_prctl()


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` for :mod:`subprocess`: Linux sends the child ``sig`` when its parent dies
    (a no-op elsewhere)."""

    def preexec() -> None:
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, sig)

    return preexec


def exit_with_parent(sig: int = signal.SIGKILL) -> None:
    """Call inside a :mod:`multiprocessing` child (a process pool's initializer): Linux sends it
    ``sig`` when its parent dies, so a SIGKILLed crawl or job leaves no worker holding its pipes.

    A parent killed while the child was still starting is gone before the signal could be armed:
    the child then sees its parent's sentinel closed and exits at once.
    """
    die_with_parent(sig)()
    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if sentinel is not None and select.select([sentinel], [], [], 0)[0]:
        os._exit(1)


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM (peak resident set, KiB) of a live process, from ``/proc``; ``None`` when it cannot
    be read (the process is gone, or not Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
