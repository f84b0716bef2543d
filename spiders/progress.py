"""What a person sees while ``spiders.run`` crawls: one live line per source on a terminal.

On a terminal (stderr is a TTY) each source gets one line, refreshed twice a second with rich:
pages fetched, requests queued, articles staged, errors, elapsed time; Scrapy's full log goes to
``<NEWSARCHIVE_HOME>/logs/crawl-<run_id>.log`` (the path is printed first), and also to stderr
with ``--verbose``. Piped, or under Airflow, nothing changes: Scrapy's plain log lines go to stderr.
At the end a one-line summary per source is printed either way.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from spiders.outcomes import stat_key


def log_path(run_id: str) -> Path:
    """``<NEWSARCHIVE_HOME>/logs/crawl-<run_id>.log`` (the directory is created)."""
    from pipelines.home import newsarchive_home

    path = newsarchive_home() / "logs" / f"crawl-{run_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def interactive() -> bool:
    """True when stderr is a terminal (a person is watching)."""
    return sys.stderr.isatty()


def source_counts(crawler: Any) -> dict[str, int]:
    """The numbers of one source's progress line, from its crawler's stats."""
    stats = crawler.stats
    engine = getattr(crawler, "engine", None)
    scheduler = getattr(engine, "scheduler", None) if engine is not None else None
    return {
        "fetched": int(stats.get_value(stat_key("fetched"), 0)),
        "queued": len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0,
        "articles": int(stats.get_value(stat_key("extracted"), 0)),
        "errors": int(stats.get_value(stat_key("failed"), 0)),
    }


def progress_line(source_id: str, counts: dict[str, int], elapsed: float, done: bool = False) -> str:
    """``city-news  fetched 120  queued 31  articles 88  errors 2  1m05s`` (``done`` at the end)."""
    minutes, seconds = divmod(int(elapsed), 60)
    state = "done" if done else f"queued {counts['queued']:>5}"
    return (
        f"{source_id:<16} fetched {counts['fetched']:>5}  {state}  articles {counts['articles']:>5}  "
        f"errors {counts['errors']:>3}  {minutes}m{seconds:02d}s"
    )


class Progress:
    """The live lines (rich) of every source of one ``spiders.run`` process."""

    def __init__(self, crawlers: list[tuple[str, Any]]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.crawlers = crawlers
        self.started = time.monotonic()
        self.finished: dict[str, float] = {}
        self.live = Live(console=Console(stderr=True), refresh_per_second=4, transient=False)
        self._loop: Any = None

    def _render(self) -> Any:
        from rich.text import Text

        now = time.monotonic()
        lines = []
        for source_id, crawler in self.crawlers:
            done = getattr(crawler, "newsarchive", None) is not None and crawler.newsarchive.summary is not None
            if done:
                self.finished.setdefault(source_id, now)
            elapsed = self.finished.get(source_id, now) - self.started
            lines.append(progress_line(source_id, source_counts(crawler), elapsed, done))
        return Text("\n".join(lines))

    def update(self) -> None:
        self.live.update(self._render())

    def start(self) -> None:
        """Start drawing (call before ``CrawlerProcess.start()``: a Twisted loop refreshes it)."""
        from twisted.internet import task

        self.live.start()
        self._loop = task.LoopingCall(self.update)
        self._loop.start(0.5)

    def stop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.update()
        self.live.stop()


def route_logs(settings: Any, run_id: str, verbose: bool) -> Path | None:
    """Send Scrapy's log to the run's log file on a terminal (and to stderr too with ``verbose``).

    Returns the file's path, or ``None`` when nothing changes (not a terminal: plain lines on stderr).
    """
    if not interactive():
        return None
    path = log_path(run_id)
    settings.set("LOG_FILE", str(path), priority="cmdline")
    settings.set("LOG_FILE_APPEND", True, priority="cmdline")
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        handler.setLevel(settings.get("LOG_LEVEL"))
        logging.getLogger().addHandler(handler)
    return path


def final_line(source_id: str, summary: dict[str, Any]) -> str:
    """One line per source after the run: what was staged, what was left behind and why."""
    outcomes = summary.get("outcomes") or {}
    left = summary.get("left_behind") or {}
    behind = ", ".join(f"{reason} {n}" for reason, n in sorted(left.items())) or "nothing"
    state = "complete" if summary.get("complete") else f"incomplete ({summary.get('finish_reason')})"
    return (
        f"{source_id}: {summary.get('staged_records', 0)} article(s) staged, {outcomes.get('fetched', 0)} page(s) fetched, "
        f"{outcomes.get('failed', 0)} failed; left behind: {behind}; {state}"
    )
