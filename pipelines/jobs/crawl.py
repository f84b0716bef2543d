"""The crawl job: run ``python -m spiders.run`` in a subprocess and return its run summary.

A subprocess because Twisted's reactor cannot restart inside one process; the same entry point
serves the CLI (``newsarchive crawl``), the Airflow tasks and the tests.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from secrets import token_hex
from typing import Any

log = logging.getLogger(__name__)


class CrawlFailed(RuntimeError):
    """The crawl subprocess failed or printed no run summary (its own messages went to stderr)."""


def new_run_id() -> str:
    """A sortable, unique crawl run id: ``YYYYMMDDTHHMMSSZ-<6 hex>``."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + token_hex(3)


def run_crawl(
    sources_file: str | os.PathLike[str],
    source_ids: Sequence[str],
    *,
    run_id: str | None = None,
    max_pages: int | None = None,
    allow_loopback: bool = False,
    verbose: bool = False,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Crawl ``source_ids`` (all enabled sources when empty) of ``sources_file`` into the staging run
    ``run_id`` (a new one when None) and return the run summary (a dict, see ``spiders.run``).

    ``env`` adds environment variables for the child (e.g. ``S3Settings.to_env()``); by default the
    child gets the storage settings of this process's environment. Raises the config's own error for
    an unknown source (before anything starts) and :class:`CrawlFailed` when the crawl fails.
    """
    from pipelines.config import load_sources

    load_sources(sources_file).select(list(source_ids))  # fail fast with the config's own message
    run_id = run_id or new_run_id()
    cmd = [sys.executable, "-m", "spiders.run", "--sources", str(sources_file), "--run-id", run_id]
    if max_pages:
        cmd += ["--max-pages", str(max_pages)]
    if allow_loopback:
        cmd.append("--allow-loopback")
    if verbose:
        cmd.append("--verbose")  # Scrapy's log on stderr too
    cmd += list(source_ids)
    child_env = {**os.environ, **(env if env is not None else _storage_env())}
    log.info("crawl %s: %s", run_id, " ".join(source_ids) or "all enabled sources")
    proc = subprocess.run(cmd, env=child_env, stdout=subprocess.PIPE, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0:
        raise CrawlFailed(f"crawl {run_id} failed (exit {proc.returncode}); see the messages above")
    try:
        summary = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise CrawlFailed(f"crawl {run_id} finished but printed no run summary") from None
    summary.setdefault("run_id", run_id)
    return summary


def _storage_env() -> dict[str, str]:
    from pipelines.storage import S3Settings

    return S3Settings.from_env().to_env()
