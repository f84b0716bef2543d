"""The run summary of one source's crawl: counts per outcome and reason, limits hit, times.

:class:`RunSummary` collects every ``newsarchive/outcome/...`` stat (whoever counted it, see
:mod:`spiders.outcomes`), the listed pages (failures and skips with their URL), the close
reason and the limits that stopped the crawl, then writes
``staging/<run_id>/<source>/summary.json`` and keeps the dict on the crawl context
(:class:`spiders.context.CrawlContext`) for ``spiders.run`` to assemble ``run.json``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scrapy import signals

from pipelines import layout
from spiders.context import crawl_context
from spiders.frontier import EXAMPLES_STAT, LEFT_BEHIND
from spiders.outcomes import CPU_PREFIX, PAGES_STAT, collect
from spiders.staging import STORAGE_ERRORS_STAT, cleanup, run_context

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

# Scrapy close reasons that mean "a configured limit stopped the crawl".
LIMIT_REASONS = {
    "closespider_pagecount": "max_pages",
    "closespider_timeout": "max_run_seconds",
    "closespider_itemcount": "max_items",
    "closespider_errorcount": "max_errors",
}


def build_summary(stats: dict[str, Any], *, source_id: str, run_id: str, reason: str) -> dict[str, Any]:
    """The summary document from a crawler's stats (pure; used by :class:`RunSummary`)."""
    outcomes = collect(stats)
    limits = []
    if reason in LIMIT_REASONS:
        limits.append(LIMIT_REASONS[reason])
    limits += [key.split("/", 1)[1] for key in outcomes if key.startswith("limit-hit/")]
    storage_errors = {
        key.rsplit("/", 1)[-1]: value
        for key, value in stats.items()
        if key.startswith("newsarchive/storage_error/")
    }

    left = {key.split("/", 1)[1]: value for key, value in outcomes.items() if key.startswith(LEFT_BEHIND + "/")}
    cut_short = bool(left.get("run-budget") or left.get("run-time"))
    if left.get("run-budget"):
        limits.append("max_pages")

    def iso(value: Any) -> str | None:
        return value.isoformat() if isinstance(value, datetime) else None

    return {
        "source": source_id,
        "run_id": run_id,
        "started_at": iso(stats.get("start_time")),
        "finished_at": iso(stats.get("finish_time")) or datetime.now(timezone.utc).isoformat(),
        "finish_reason": reason,
        # complete: the run ended on its own and its budget left nothing behind (caps may have:
        # they are policy, listed in left_behind)
        "complete": reason == "finished" and not cut_short,
        "limits_hit": sorted(set(limits)),
        "left_behind": left,
        "left_behind_examples": dict(stats.get(EXAMPLES_STAT) or {}),
        "outcomes": outcomes,
        "pages": list(stats.get(PAGES_STAT) or []),
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses": int(stats.get("downloader/response_count", 0)),
        "staged_records": int(stats.get("newsarchive/staged_records", 0)),
        "cpu_seconds": {k[len(CPU_PREFIX):]: round(v, 3) for k, v in sorted(stats.items()) if k.startswith(CPU_PREFIX)},
        "storage_errors": storage_errors,
        "ok": not stats.get(STORAGE_ERRORS_STAT),
        "files": {
            "records": layout.staged_key(run_id, source_id, layout.RECORDS_FILE),
            "warc": layout.staged_key(run_id, source_id, layout.WARC_FILE),
            "summary": layout.staged_key(run_id, source_id, layout.SUMMARY_FILE),
        },
    }


class RunSummary:
    """Write ``summary.json`` at the end of a source's crawl (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        # Connected now, after every middleware and pipeline connected theirs, so this runs
        # last among the spider_closed receivers: after the WARC upload and the state write.
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        from pipelines.storage import StorageError

        context = crawl_context(self.crawler)
        if context is not None and context.closing:
            import asyncio

            await asyncio.gather(*context.closing, return_exceptions=True)  # each logs its own failure
        ctx = run_context(self.crawler)
        stats = self.crawler.stats
        stats.set_value("finish_time", datetime.now(timezone.utc))
        summary = build_summary(
            stats.get_stats(), source_id=ctx.source_id, run_id=ctx.run_id, reason=reason
        )
        if ctx.storage is not None:
            try:
                ctx.storage.put_json(ctx.key(layout.SUMMARY_FILE), summary)
            except StorageError as exc:
                log.error("summary: cannot write %s: %s", ctx.key(layout.SUMMARY_FILE), exc)
                summary["storage_errors"]["summary"] = str(exc)
                summary["ok"] = False
        if context is not None:
            context.summary = summary
        flat = ", ".join(f"{k}={v}" for k, v in summary["outcomes"].items() if "/" not in k)
        log.info("summary %s/%s (%s): %s", ctx.run_id, ctx.source_id, reason, flat or "nothing fetched")
        cleanup(self.crawler)
