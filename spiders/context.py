"""The per-crawl context: one object per crawler for what the crawl's components share.

The ``news`` spider creates it (``crawler.newsarchive``) before any component is built; components
read it with :func:`crawl_context` instead of reaching into the spider or hanging private
attributes on the crawler. A component exercised with another spider sees ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.config import Source
    from spiders.frontier import Frontier


@dataclass
class CrawlContext:
    """What one source's crawl shares between the spider and its components."""

    source: Source
    run_id: str
    frontier: Frontier
    #: set by :class:`spiders.limits.RunLimits` once the page budget is used up: no new page is
    #: requested (each one is counted ``left-behind/run-budget``)
    budget_spent: bool = False
    #: the run summary, once written (read by ``spiders.run`` for ``run.json``)
    summary: dict[str, Any] | None = None
    #: the bucket (one client per crawl; ``spiders.staging.get_storage``)
    storage: Any = None
    #: where the crawl stages its files (``spiders.staging.run_context``)
    staging: Any = None
    #: work that ``spider_closed`` receivers started and the run summary waits for before it is
    #: written (Scrapy runs async receivers concurrently): e.g. the WARC worker's last records
    closing: list[Any] = field(default_factory=list)


def crawl_context(crawler: Any) -> CrawlContext | None:
    """The crawler's :class:`CrawlContext`, or ``None`` when the spider is not the ``news`` spider."""
    return getattr(crawler, "newsarchive", None)
