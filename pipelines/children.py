"""Child processes that die with their parent (Linux ``PR_SET_PDEATHSIG``).

A crawl subprocess of a killed Airflow task, or a SeaweedFS started by a test, must not live on as
an orphan that keeps writing into the bucket while a retry runs.
"""

from __future__ import annotations

import ctypes
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
