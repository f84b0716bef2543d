"""Where newsarchive keeps its local state (the local S3 stack, its credentials, its data).

One directory, ``NEWSARCHIVE_HOME`` or ``./.newsarchive``. Both :mod:`infra.stack` (which
writes the stack's state file) and :mod:`pipelines.storage` (which falls back to it) use these
names, so neither has to import the other's internals.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "NEWSARCHIVE_HOME"
DEFAULT_HOME = Path(".newsarchive")
#: Written by ``newsarchive stack up``, removed by ``stack down``: pid, ports, endpoint, credentials.
STACK_STATE_FILE = "stack.json"


def newsarchive_home(home: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Return the local state directory: ``home`` if given, else ``$NEWSARCHIVE_HOME``, else the
    nearest ``.newsarchive`` directory in the current directory or above it (as git finds its
    ``.git``; not above the user's home directory when the current directory is inside it), else
    ``./.newsarchive``. So ``newsarchive ls`` run in a subdirectory of the project still finds the
    local stack that ``newsarchive stack up`` started at its top.

    The path is made absolute (relative to the current directory) but not created.
    """
    if home is None:
        env = os.environ if env is None else env
        home = env.get(HOME_ENV) or _nearest_home() or DEFAULT_HOME
    return Path(home).expanduser().absolute()


def _nearest_home() -> Path | None:
    cwd = Path.cwd()
    user_home = Path.home()
    for directory in (cwd, *cwd.parents):
        candidate = directory / DEFAULT_HOME
        if candidate.is_dir():
            return candidate
        if directory == user_home:
            break
    return None


def stack_state_path(home: Path | str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Return the path of the local stack's state file inside the newsarchive home."""
    return newsarchive_home(home, env) / STACK_STATE_FILE
