"""Bounded by construction: body size, download time, depth, pages and run time.

What Scrapy 2.19 already does, and what this module adds (see docs/limits.md):

* Body size while streaming: the HTTP/1.1 handler aborts a download once more than
  ``DOWNLOAD_MAXSIZE`` bytes arrived (or Content-Length announces more). Added: the outcome is
  counted, ``size-limit/download``.
* Body size while decoding: ``HttpCompressionMiddleware`` inflates gzip/deflate/br/zstd in
  64 KiB steps and stops past ``DOWNLOAD_MAXSIZE`` (the 1 GiB default is what let a 4 MiB bomb
  grow to 1 GiB; the crawl settings use 10 MiB). Added: :class:`BoundedHttpCompressionMiddleware`
  counts ``size-limit/decompressed``. A gzip *file* (``sitemap.xml.gz``, no Content-Encoding) is
  measured the same way without keeping the output and dropped (``size-limit/decompressed-file``)
  past ``NEWSARCHIVE_FEED_MAX_BYTES``, before the spider inflates it.
* Download time: ``DOWNLOAD_TIMEOUT`` bounds the whole download including the body, so it cuts
  a page that drips a byte a second. Added: :class:`DeadlineMiddleware` counts ``timeout/<kind>``,
  does not retry a body that was dripping (``slow-body``), and shortens each request's timeout
  so no download outlives the run deadline (a graceful stop is never held up by a slow page).
* Redirects: ``REDIRECT_MAX_TIMES``; a chain that exceeds it is counted ``trap/redirect-chain``.
* Depth: ``DEPTH_LIMIT`` (set per source from ``limits.max_depth``); links past it are counted
  ``limit-hit/max_depth`` by :class:`CountingDepthMiddleware`.
* Pages and run time: :class:`RunLimits` stops the crawl cleanly when ``max_pages`` responses
  were received or ``max_run_seconds`` passed: outcome ``limit-hit/max_pages`` /
  ``limit-hit/max_run_seconds``, Scrapy's close reason (``closespider_pagecount`` /
  ``closespider_timeout``); no new fetch starts, requests queued for their Crawl-delay turn are
  dropped, held retries are released and bodies still arriving are cut, so the stop is prompt;
  what was fetched is staged as usual. A graceful shutdown (SIGINT/SIGTERM) is handled alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from gzip import GzipFile
from io import BytesIO
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    StopDownload,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.utils.defer import _schedule_coro

from pipelines.extract.decoding import is_gzip
from spiders.context import crawl_context
from spiders.frontier import left_behind
from spiders.outcomes import count
from spiders.seen import KIND_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Sent (``crawler.signals.send_catch_log(run_stopping, reason=...)``) when a run limit stops the
#: crawl, so components holding a request (e.g. a Retry-After wait) let it go at once.
run_stopping = object()
#: Sent (``deadline=`` a ``time.monotonic()`` value) when the run's time budget starts, so no
#: download's timeout outlives it (:class:`DeadlineMiddleware`).
run_deadline_set = object()
#: Sent (``pages=`` max_pages or None) when the run's page budget is decided.
page_budget_set = object()

_CHUNK = 64 * 1024
CLOSE_REASONS = {"max_pages": "closespider_pagecount", "max_run_seconds": "closespider_timeout"}


def awaitable(d: Any) -> Any:
    """``d`` in a form a coroutine can await under Scrapy's reactor (an asyncio future with the
    asyncio reactor); the Deferred itself when no reactor or loop runs (a component driven alone)."""
    from scrapy.utils.defer import maybe_deferred_to_future

    try:
        return maybe_deferred_to_future(d)
    except RuntimeError:
        return d


class SizeLimitExceeded(ValueError):
    """A body grew past its size limit while being decompressed."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"decompressed body exceeds {limit} bytes (got {size} so far)")
        self.size = size
        self.limit = limit


def bounded_gunzip(data: bytes, max_size: int) -> bytes:
    """Gunzip ``data`` 64 KiB at a time, raising :class:`SizeLimitExceeded` past ``max_size``.

    Memory stays within ``max_size`` plus one step whatever the compression ratio. A truncated
    stream returns what could be read (like Scrapy's ``gunzip``); a stream that is not gzip at all
    raises ``OSError``.
    """
    stream = GzipFile(fileobj=BytesIO(data))
    out = BytesIO()
    size = 0
    while True:
        try:
            chunk = stream.read1(_CHUNK)
        except (EOFError, OSError):
            if size:
                break
            raise
        if not chunk:
            break
        size += len(chunk)
        if max_size and size > max_size:
            raise SizeLimitExceeded(size, max_size)
        out.write(chunk)
    return out.getvalue()


class BoundedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (already bounded by ``DOWNLOAD_MAXSIZE``), with the outcome counted.

    Registered in place of ``HttpCompressionMiddleware`` at the same priority (590).
    """

    def __init__(self, stats: Any = None, *, crawler: Crawler | None = None) -> None:
        super().__init__(stats, crawler=crawler)
        settings = crawler.settings if crawler is not None else None
        self._file_max_size = (settings.getint("NEWSARCHIVE_FEED_MAX_BYTES") if settings else 0) or self._max_size

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            response = super().process_response(request, response)
        except IgnoreRequest:
            count(self.stats, "size-limit", "decompressed", url=request.url)
            raise
        if isinstance(response, Response) and is_gzip(response.body):
            # A gzip *file* (``sitemap.xml.gz``), which the spider inflates itself: make sure it
            # stays within the limit before anyone holds the inflated bytes.
            size = inflated_size(response.body, self._file_max_size)
            if size > self._file_max_size:
                count(self.stats, "size-limit", "decompressed-file", url=request.url)
                logger.info("gzip file inflates past %d bytes, dropped: %s", self._file_max_size, request.url)
                raise IgnoreRequest(f"size limit: {request.url} inflates past {self._file_max_size} bytes")
        return response


def inflated_size(data: bytes, limit: int) -> int:
    """How many bytes a gzip/zlib stream inflates to, counting at most ``limit + 1`` and keeping
    none of them (64 KiB at a time). A corrupt stream counts what could be inflated."""
    import zlib

    inflater = zlib.decompressobj(47)  # auto-detect gzip or zlib header
    size = 0
    pending = data
    try:
        while pending and size <= limit:
            size += len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        pass
    return size


def is_page_of_source(request: Request) -> bool:
    """Whether ``request`` uses up ``max_pages``: robots.txt, feeds and sitemaps are how pages are
    found, not pages of the source."""
    if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
        return False
    return request.meta.get(KIND_META) not in DISCOVERY_DOCUMENTS


class DeadlineMiddleware:
    """Per-request wall-clock deadline, bounded by the run deadline; counts timeouts and size aborts.

    Priority 620: its ``process_exception`` runs before ``RetryMiddleware`` (550) sees the error and
    its ``process_response`` before ``RedirectMiddleware`` (600) drops a chain that is too long.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        self.retry_slow_body = crawler.settings.getbool("NEWSARCHIVE_RETRY_SLOW_BODY")
        self.run_deadline: float | None = None  # monotonic; set by RunLimits
        # max_pages as a budget of page requests sent (set by RunLimits): the page count closes the
        # spider only when responses arrive, so requests already in flight would otherwise exceed it
        self.page_budget: int | None = None
        self.pages_requested = 0
        self._headers_seen: set[int] = set()
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self.stopping = False
        crawler.signals.connect(self._headers_received, signal=signals.headers_received)
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(self._run_stopping, signal=run_stopping)
        crawler.signals.connect(self._deadline_set, signal=run_deadline_set)
        crawler.signals.connect(self._page_budget_set, signal=page_budget_set)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeadlineMiddleware:
        return cls(crawler)

    def _deadline_set(self, deadline: float, **_: Any) -> None:
        self.run_deadline = deadline

    def _page_budget_set(self, pages: int | None, **_: Any) -> None:
        self.page_budget = pages

    def _headers_received(self, request: Request, **_: Any) -> None:
        self._headers_seen.add(id(request))

    def _run_stopping(self, **_: Any) -> None:
        self.stopping = True

    def _bytes_received(self, request: Request, **_: Any) -> None:
        # Once a run limit stopped the crawl, a body still arriving (a drip, a big page) is cut at
        # its next chunk instead of holding the graceful stop up to DOWNLOAD_TIMEOUT.
        if self.stopping:
            raise StopDownload(fail=True)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.stopping:
            raise IgnoreRequest(f"run stopping: not fetching {request.url}")
        if self.page_budget is not None and is_page_of_source(request):
            if self.pages_requested >= self.page_budget:
                left_behind(self.stats, "run-budget", [request.url])
                raise IgnoreRequest(f"max_pages={self.page_budget} requested already: not fetching {request.url}")
            self.pages_requested += 1
        timeout = float(request.meta.get("download_timeout") or self.timeout)
        if self.run_deadline is not None:
            remaining = self.run_deadline - time.monotonic()
            if remaining <= 0:
                self.stats.inc_value("newsarchive/stop/dropped_after_deadline")
                raise IgnoreRequest(f"run deadline passed: not fetching {request.url}")
            timeout = min(timeout, max(remaining, 1.0))
        if timeout > 0:
            request.meta["download_timeout"] = timeout

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        self._headers_seen.discard(id(request))
        if (
            response.status in (301, 302, 303, 307, 308)
            and "Location" in response.headers
            and not request.meta.get("dont_redirect")
            and request.meta.get("redirect_times", 0) >= self.max_redirects
        ):
            # RedirectMiddleware (600, after us on the way back) will drop it: say why. A chain
            # longer than REDIRECT_MAX_TIMES is a trap (or a loop), not a page.
            count(self.stats, "trap", "redirect-chain", url=request.url)
            logger.info("Redirect chain longer than REDIRECT_MAX_TIMES=%d, dropped: %s", self.max_redirects, request.url)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        got_headers = id(request) in self._headers_seen
        self._headers_seen.discard(id(request))
        if isinstance(exception, StopDownload) and self.stopping:
            self.stats.inc_value("newsarchive/stop/cut_downloads")
            raise IgnoreRequest(f"run stopping: download of {request.url} cut") from exception
        if isinstance(exception, DownloadTimeoutError):
            kind = "slow-body" if got_headers else "no-response"
            count(self.stats, "timeout", kind)
            logger.info("Timed out (%s, %.0fs): %s", kind, request.meta.get("download_timeout", self.timeout), request.url)
            if got_headers and not self.retry_slow_body:
                raise IgnoreRequest(f"timeout while the body was dripping: {request.url}") from exception
        elif isinstance(exception, DownloadCancelledError):
            # The HTTP/1.1 handler cancels a download only when it outgrows DOWNLOAD_MAXSIZE.
            count(self.stats, "size-limit", "download")
            logger.info("Body larger than DOWNLOAD_MAXSIZE, dropped: %s", request.url)
            raise IgnoreRequest(f"size limit: {request.url}") from exception
        return None


class CountingDepthMiddleware(DepthMiddleware):
    """Scrapy's ``DepthMiddleware``; a link dropped for depth is counted ``limit-hit/max_depth``."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        result = super().get_processed_request(request, response)
        if result is None and response is not None:
            count(self.stats, "limit-hit", "max_depth")
        return result


def run_budget(settings: Any, limits: Any = None) -> tuple[int | None, float | None]:
    """The one place that decides a source's run budget: ``(max_pages, max_run_seconds)``.

    A source's ``limits.max_pages`` / ``limits.max_run_seconds``, or when it sets none the defaults
    ``NEWSARCHIVE_DEFAULT_MAX_PAGES`` / ``NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS``; capped by
    ``NEWSARCHIVE_MAX_PAGES`` (``--max-pages``) / ``NEWSARCHIVE_MAX_RUN_SECONDS`` and by Scrapy's
    ``CLOSESPIDER_PAGECOUNT`` / ``CLOSESPIDER_TIMEOUT`` when set. ``None``: no limit (every value 0).
    """
    pages = [
        getattr(limits, "max_pages", None) or settings.getint("NEWSARCHIVE_DEFAULT_MAX_PAGES"),
        settings.getint("NEWSARCHIVE_MAX_PAGES"),
        settings.getint("CLOSESPIDER_PAGECOUNT"),
    ]
    seconds = [
        getattr(limits, "max_run_seconds", None) or settings.getfloat("NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS"),
        settings.getfloat("NEWSARCHIVE_MAX_RUN_SECONDS"),
        settings.getfloat("CLOSESPIDER_TIMEOUT"),
    ]
    max_pages = min((p for p in pages if p), default=None)
    max_seconds = min((t for t in seconds if t), default=None)
    return (int(max_pages) if max_pages else None), max_seconds


#: Request kinds that are not pages of the source: they do not use up ``max_pages``.
DISCOVERY_DOCUMENTS = frozenset({"feed", "sitemap"})


class RunLimits:
    """Stops a crawl cleanly at ``max_pages`` responses or after ``max_run_seconds``.

    Effective limits: the source's ``limits`` (when the spider has a ``source``), capped by
    ``NEWSARCHIVE_MAX_PAGES`` / ``NEWSARCHIVE_MAX_RUN_SECONDS``. Scrapy's own
    ``CLOSESPIDER_PAGECOUNT``/``CLOSESPIDER_TIMEOUT`` closes are reported the same way.
    """

    def __init__(self, crawler: Crawler, clock: Callable[[], float] = time.monotonic) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.clock = clock
        self.max_pages: int | None = None
        self.max_run_seconds: float | None = None
        self.pages = 0
        self.stopping: str | None = None
        self._timer: Any = None
        self._watch: Any = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLimits:
        if not crawler.settings.getbool("NEWSARCHIVE_RUN_LIMITS_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        settings = self.crawler.settings
        context = crawl_context(self.crawler)
        source = context.source if context is not None else getattr(spider, "source", None)
        self.max_pages, self.max_run_seconds = run_budget(settings, getattr(source, "limits", None))
        self.crawler.signals.send_catch_log(signal=page_budget_set, pages=self.max_pages)
        if self.max_run_seconds:
            from scrapy.utils.asyncio import call_later

            self.crawler.signals.send_catch_log(signal=run_deadline_set, deadline=self.clock() + self.max_run_seconds)
            self._timer = call_later(self.max_run_seconds, self.stop, "max_run_seconds")
        self._start_watch()
        logger.info(
            "Run limits: max_pages=%s max_run_seconds=%s DEPTH_LIMIT=%s DOWNLOAD_MAXSIZE=%s DOWNLOAD_TIMEOUT=%s",
            self.max_pages, self.max_run_seconds, settings.getint("DEPTH_LIMIT"),
            settings.getint("DOWNLOAD_MAXSIZE"), settings.getfloat("DOWNLOAD_TIMEOUT"),
        )

    def _start_watch(self) -> None:
        from scrapy.utils.asyncio import create_looping_call

        try:
            self._watch = create_looping_call(self.watch_shutdown)
            self._watch.start(0.5, now=False)
        except RuntimeError:  # no reactor or loop: the component is exercised alone
            self._watch = None

    def watch_shutdown(self) -> None:
        """A graceful shutdown (SIGINT/SIGTERM, ``crawler.stop()``) is as prompt as a limit: the
        crawler flag drops before the engine starts waiting for what is in flight."""
        if self.stopping or getattr(self.crawler, "crawling", True):
            return
        self.stopping = "shutdown"
        logger.info("Shutting down: releasing waits, dropping queued requests, cutting slow bodies")
        self.crawler.signals.send_catch_log(signal=run_stopping, reason="shutdown")
        try:
            engine = self.crawler.engine
        except RuntimeError:
            return
        if engine is not None:
            self._drop_queued(engine)

    def response_received(self, response: Response, request: Request, spider: Any = None) -> None:
        # Every page response counts, also those dropped later as junk.
        if not is_page_of_source(request):
            return
        self.pages += 1
        if self.max_pages and self.pages >= self.max_pages:
            self.budget_spent()

    def budget_spent(self) -> None:
        """``max_pages`` pages fetched: nothing new is requested. When nothing else is waiting the
        run goes on to its natural end (it fetched everything it discovered: complete); otherwise it
        stops now and what was waiting is counted ``left-behind/run-budget``."""
        context = crawl_context(self.crawler)
        if context is not None:
            context.budget_spent = True
        try:
            engine = self.crawler.engine
        except RuntimeError:
            engine = None
        scheduler = getattr(engine, "scheduler", None) if engine is not None else None
        waiting = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else None
        in_flight = len(engine.downloader.active) if engine is not None else 0
        if waiting == 0 and in_flight <= 1:
            logger.info("Limit max_pages=%s reached with nothing left to fetch", self.max_pages)
            return
        if waiting:
            left_behind(self.stats, "run-budget", n=waiting)
        self.stop("max_pages")

    def stop(self, which: str) -> None:
        """Count ``limit-hit/<which>``, tell waiting components, and close the spider with that reason."""
        if self.stopping:
            return
        self.stopping = which
        limit = self.max_pages if which == "max_pages" else self.max_run_seconds
        count(self.stats, "limit-hit", which)
        logger.info("Limit %s=%s reached: stopping the crawl, keeping what was fetched", which, limit)
        self.crawler.signals.send_catch_log(signal=run_stopping, reason=f"limit-hit/{which}")
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl running (component exercised alone)
            engine = None
        if which == "max_run_seconds" and engine is not None:
            scheduler = getattr(engine, "scheduler", None)
            if scheduler is not None and hasattr(scheduler, "__len__"):
                left_behind(self.stats, "run-time", n=len(scheduler))
        if engine is not None and engine.spider is not None:
            # Scrapy's close reasons for these limits, which the run summary already names.
            _schedule_coro(engine.close_spider_async(reason=CLOSE_REASONS[which]))
            self._drop_queued(engine)

    def _drop_queued(self, engine: Any) -> None:
        """Requests already waiting in a downloader slot (for their Crawl-delay turn) are not
        sent: the engine's close would otherwise wait for each, one delay apart."""
        dropped = 0
        for slot in list(getattr(engine.downloader, "slots", {}).values()):
            while slot.queue:
                request, waiting = slot.queue.popleft()
                left_behind(self.stats, "run-time" if self.stopping == "max_run_seconds" else "run-budget", [request.url])
                waiting.errback(IgnoreRequest(f"run stopping: not fetching {request.url}"))
                dropped += 1
        if dropped:
            self.stats.inc_value("newsarchive/stop/dropped_queued", dropped)
            logger.info("Dropped %d queued request(s) at the stop", dropped)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        self._watch = None
        scrapy_reasons = {v: k for k, v in CLOSE_REASONS.items()}
        if reason in scrapy_reasons and not self.stopping:
            self.stopping = scrapy_reasons[reason]
            count(self.stats, "limit-hit", scrapy_reasons[reason])
        stopped_by = self.stopping if self.stopping in (None, "shutdown") else f"limit-hit/{self.stopping}"
        self.stats.set_value("newsarchive/stopped_by", stopped_by or reason)
