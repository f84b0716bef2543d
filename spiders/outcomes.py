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

from typing import Any

PREFIX = "newsarchive/outcome/"


def stat_key(outcome: str, reason: str | None = None) -> str:
    """The stats key of an outcome (and reason): ``newsarchive/outcome/<outcome>[/<reason>]``."""
    return f"{PREFIX}{outcome}/{reason}" if reason else f"{PREFIX}{outcome}"


def count(stats: Any, outcome: str, reason: str | None = None, n: int = 1) -> None:
    """Count ``n`` occurrences of ``outcome`` (and of ``outcome/reason`` when a reason is given).

    ``stats`` is a Scrapy ``StatsCollector`` (``crawler.stats``); ``None`` is accepted and
    ignored so components can be exercised without a crawler.
    """
    if stats is None:
        return
    stats.inc_value(stat_key(outcome), n)
    if reason:
        stats.inc_value(stat_key(outcome, reason), n)


def collect(stats_dict: dict[str, Any]) -> dict[str, int]:
    """Every outcome counter in a stats dict, keyed ``<outcome>`` or ``<outcome>/<reason>``."""
    return {
        key[len(PREFIX):]: int(value)
        for key, value in sorted(stats_dict.items())
        if key.startswith(PREFIX) and isinstance(value, (int, float))
    }
