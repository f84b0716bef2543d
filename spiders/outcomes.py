"""One convention for counting crawl outcomes, shared by every crawl component.

Each outcome increments ``newsarchive/outcome/<outcome>`` and, when a reason is given,
``newsarchive/outcome/<outcome>/<reason>`` in the crawler's stats collector. The run
summary (:mod:`spiders.summary`) collects every stat under that prefix, so a component
only has to call :func:`count` for its outcomes to appear in ``summary.json``.

Outcomes used so far: fetched, not-modified, skipped-seen, robots-denied, not-article,
extracted, failed, and from the hardening components size-limit, timeout, trap,
retry-after-wait, soft-404, bad-encoding, bad-feed, private-address, limit-hit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PREFIX = "newsarchive/outcome/"
PAGES_STAT = "newsarchive/pages"  # list of {"url", "outcome", "reason"} for the run summary
MAX_PAGES_LISTED = 1000


def stat_key(outcome: str, reason: str | None = None) -> str:
    """The stats key of an outcome (and reason): ``newsarchive/outcome/<outcome>[/<reason>]``."""
    return f"{PREFIX}{outcome}/{reason}" if reason else f"{PREFIX}{outcome}"


def count(stats: Any, outcome: str, reason: str | None = None, n: int = 1, *, url: str | None = None) -> None:
    """Count ``n`` occurrences of ``outcome`` (and of ``outcome/reason`` when a reason is given).

    With ``url``, the page is also listed (url, outcome, reason) in the run summary's ``pages``
    (the first :data:`MAX_PAGES_LISTED`): pass it for failures and skips a user may want to see.
    ``stats`` is a Scrapy ``StatsCollector`` (``crawler.stats``); ``None`` is accepted and
    ignored so components can be exercised without a crawler.
    """
    if stats is None:
        return
    stats.inc_value(stat_key(outcome), n)
    if reason:
        stats.inc_value(stat_key(outcome, reason), n)
    if url:
        list_page(stats, url, outcome, reason)


def list_page(stats: Any, url: str, outcome: str, reason: str | None = None) -> None:
    """List a page in the run summary's ``pages`` without counting it (see :func:`count`)."""
    if stats is None:
        return
    pages = stats.get_value(PAGES_STAT)
    if pages is None:
        pages = []
        stats.set_value(PAGES_STAT, pages)
    if len(pages) < MAX_PAGES_LISTED:
        pages.append({"url": url, "outcome": outcome, "reason": reason})


def listed_urls(stats: Any) -> set[str]:
    """URLs already listed in the run summary's ``pages``."""
    return {p["url"] for p in (stats.get_value(PAGES_STAT) or []) if isinstance(p, dict)}


def collect(stats_dict: dict[str, Any]) -> dict[str, int]:
    """Every outcome counter in a stats dict, keyed ``<outcome>`` or ``<outcome>/<reason>``."""
    return {
        key[len(PREFIX):]: int(value)
        for key, value in sorted(stats_dict.items())
        if key.startswith(PREFIX) and isinstance(value, (int, float))
    }


CPU_PREFIX = "newsarchive/cpu_seconds/"


@contextmanager
def cpu_time(stats: Any, component: str) -> Iterator[None]:
    """Add the CPU seconds the calling thread spends in the block to ``newsarchive/cpu_seconds/<component>``
    (the run summary's ``cpu_seconds``; ``bench/crawl.py`` divides them by pages)."""
    start = time.thread_time()
    try:
        yield
    finally:
        if stats is not None:
            stats.inc_value(CPU_PREFIX + component, time.thread_time() - start, start=0.0)
