"""Politeness that holds: robots.txt ``Crawl-delay`` applied, ``Retry-After`` honoured, retries backed off.

* :class:`CrawlDelayMiddleware` (downloader, priority 110, just after ``RobotsTxtMiddleware``)
  listens to ``robots_parsed`` and keeps, per host, the robots.txt ``Crawl-delay`` for our user
  agent, or the interval a ``Request-rate`` implies if longer (capped by
  ``NEWSARCHIVE_CRAWL_DELAY_MAX``). Before a request is queued, and after
  AutoThrottle adjusted a slot, the host's downloader slot gets
  ``delay = max(configured delay, crawl delay + NEWSARCHIVE_CRAWL_DELAY_MARGIN)`` and no random
  jitter, so two requests to the host never start closer than the Crawl-delay.
* :class:`PoliteRetryMiddleware` replaces Scrapy's ``RetryMiddleware`` (same settings). A retry
  waits before it is re-scheduled: the ``Retry-After`` of a 429/503 (seconds or HTTP-date; a
  value above ``NEWSARCHIVE_RETRY_AFTER_MAX`` gives the URL up for this run), otherwise an
  exponential backoff (``NEWSARCHIVE_RETRY_BACKOFF_BASE`` doubling per attempt up to
  ``NEWSARCHIVE_RETRY_BACKOFF_MAX``). The wait does not block the reactor, and the retry then goes
  ahead of the queue (``RETRY_PRIORITY_ADJUST``), so it is neither immediate nor starved.
  Outcomes: ``retry-after-wait/<status>``, ``retry-after-wait/too-long``, ``retry-backoff/<reason>``.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from twisted.internet.defer import CancelledError, Deferred

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.response import response_status_message
from spiders.limits import awaitable, run_stopping
from spiders.outcomes import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), or ``None``.

    A date in the past gives 0; garbage gives ``None``.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if seconds == seconds else None  # NaN check
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max((when - now).total_seconds(), 0.0)


def backoff_seconds(attempt: int, base: float, cap: float, jitter: float = 0.25) -> float:
    """Exponential backoff for retry number ``attempt`` (1-based): base·2^(n-1), ±jitter, capped."""
    delay = min(cap, base * (2 ** max(attempt - 1, 0)))
    return max(0.0, delay * (1 + random.uniform(-jitter, jitter)))  # noqa: S311 - not crypto


class CrawlDelayMiddleware:
    """Applies robots.txt ``Crawl-delay`` to the host's downloader slot (see module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.user_agent: str = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        self.max_delay = settings.getfloat("NEWSARCHIVE_CRAWL_DELAY_MAX")
        self.margin = settings.getfloat("NEWSARCHIVE_CRAWL_DELAY_MARGIN")
        self.delays: dict[str, float] = {}  # host name -> crawl delay in seconds
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request, **_: Any) -> None:
        host = urlsplit(request.url).hostname or ""
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # noqa: BLE001 - a parser without crawl_delay, or a broken file
            delay = None
        rate = self._request_rate_delay(robotparser)
        if rate and (not delay or rate > delay):
            delay = rate
        if not delay or delay <= 0:
            return
        if delay > self.max_delay:
            logger.info("robots.txt of %s asks Crawl-delay %.0fs; capped at %.0fs", host, delay, self.max_delay)
            delay = self.max_delay
        # One slot serves every port of a host name: keep the largest delay any of them asked for.
        self.delays[host] = max(self.delays.get(host, 0.0), float(delay))
        self.stats.max_value(f"newsarchive/crawl_delay/{host}", float(delay))
        logger.info("Crawl-delay %.1fs for %s (robots.txt)", delay, host)

    def _request_rate_delay(self, robotparser: Any) -> float | None:
        """Seconds per request from a ``Request-rate: n/s`` line (Protego parsers only)."""
        protego = getattr(robotparser, "rp", None)
        try:
            rate = protego.request_rate(self.user_agent) if protego is not None else None
        except Exception:  # noqa: BLE001
            return None
        if rate is None or not getattr(rate, "requests", 0):
            return None
        return float(rate.seconds) / float(rate.requests)

    def _clamp(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        delay = self.delays.get(host)
        if not delay:
            return
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl running
            return
        downloader = engine.downloader
        key, slot = downloader._get_slot(request)  # creates the slot if it was garbage-collected
        wanted = delay + self.margin
        if slot.delay < wanted or slot.jitter:
            # Jitter would let a random gap fall below the Crawl-delay: the minimum is what counts.
            slot.delay = max(slot.delay * (1 - slot.jitter), wanted)
            slot.jitter = 0.0

    def process_request(self, request: Request, spider: Any = None) -> None:
        self._clamp(request)

    def response_downloaded(self, response: Response, request: Request, **_: Any) -> None:
        # AutoThrottle (an extension, connected before us) may just have lowered the slot delay.
        self._clamp(request)


class PoliteRetryMiddleware(RetryMiddleware):
    """``RetryMiddleware`` that waits (Retry-After, else backoff) before handing a retry back."""

    RETRY_AFTER_STATUSES = frozenset({429, 503})

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("NEWSARCHIVE_RETRY_AFTER_MAX")
        self.backoff_base = settings.getfloat("NEWSARCHIVE_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("NEWSARCHIVE_RETRY_BACKOFF_MAX")
        self._waits: set[Deferred[None]] = set()
        self._stopping = False
        self.clock: Any = None  # IReactorTime; the running reactor unless a test injects one

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetryMiddleware:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        crawler.signals.connect(mw._stop_waiting, signal=run_stopping)
        crawler.signals.connect(mw._stop_waiting, signal=signals.engine_stopped)
        return mw

    def _stop_waiting(self, **_: Any) -> None:
        self._stopping = True
        for wait in list(self._waits):
            wait.cancel()

    async def _sleep(self, seconds: float) -> None:
        if self.clock is None:
            from twisted.internet import reactor

            self.clock = reactor
        wait: Deferred[None] = Deferred()
        call = self.clock.callLater(seconds, wait.callback, None)

        def _cancelled(failure: Any) -> Any:
            if call.active():
                call.cancel()
            return failure

        wait.addErrback(_cancelled)
        self._waits.add(wait)
        try:
            await awaitable(wait)
        finally:
            self._waits.discard(wait)

    async def _wait_then(self, retry: Request, seconds: float, what: str) -> Request:
        if self._stopping:
            raise IgnoreRequest(f"run stopping; not retrying {retry.url}")
        if seconds > 0:
            logger.info("Waiting %.1fs (%s) before retrying %s", seconds, what, retry.url)
            started = time.monotonic()
            try:
                await self._sleep(seconds)
            except CancelledError:
                raise IgnoreRequest(f"run stopping; not retrying {retry.url}") from None
            retry.meta["newsarchive_retry_waited"] = time.monotonic() - started
        return retry

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_after = None
        if response.status in self.RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None and retry_after > self.retry_after_max:
            count(self.crawler.stats, "retry-after-wait", "too-long")
            logger.info(
                "Not retrying %s: Retry-After %.0fs is above NEWSARCHIVE_RETRY_AFTER_MAX (%.0fs)",
                request.url, retry_after, self.retry_after_max,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if retry_after is not None:
            count(self.crawler.stats, "retry-after-wait", str(response.status))
            return await self._wait_then(retry, retry_after, f"Retry-After of a {response.status}")
        count(self.crawler.stats, "retry-backoff", str(response.status))
        wait = backoff_seconds(retry.meta["retry_times"], self.backoff_base, self.backoff_max)
        return await self._wait_then(retry, wait, f"backoff after a {response.status}")

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | Response | None:  # type: ignore[override]
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        reason = type(exception).__name__
        count(self.crawler.stats, "retry-backoff", reason)
        wait = backoff_seconds(retry.meta["retry_times"], self.backoff_base, self.backoff_max)
        return await self._wait_then(retry, wait, f"backoff after {reason}")
