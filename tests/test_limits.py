"""Bounded by construction: decompression stops at the limit in memory; timeouts, size aborts,
redirect chains, depth, pages and run time are counted and stop what they should.

Components are built with ``get_crawler`` and fed fake requests/responses (no network); the trap
crawl (tests/test_trap_crawl.py) exercises the same limits over real HTTP.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable

import brotli
import pytest

from scrapy import Request, Spider
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from crawl_settings import get_crawler
from spiders.limits import (
    BoundedHttpCompressionMiddleware,
    CountingDepthMiddleware,
    DeadlineMiddleware,
    RunLimits,
    SizeLimitExceeded,
    bounded_gunzip,
)
from spiders.outcomes import stat_key

MiB = 1024 * 1024


def _bomb(encoding: str, size: int = 200 * MiB) -> bytes:
    """``size`` zero bytes compressed with ``encoding``, built without holding them all."""
    if encoding == "gzip":
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    elif encoding == "deflate":
        comp = zlib.compressobj(9, zlib.DEFLATED, 15)
    else:
        comp = None
    chunk = b"\0" * MiB
    if comp is None:
        br = brotli.Compressor(quality=5)
        out = b"".join(br.process(chunk) for _ in range(size // MiB)) + br.finish()
        return out
    return b"".join(comp.compress(chunk) for _ in range(size // MiB)) + comp.flush()


def _peak_memory_raising(expected: type[BaseException], action: Callable[[], object]) -> int:
    """Peak traced memory (bytes) while ``action`` runs; it must raise ``expected``."""
    tracemalloc.start()
    try:
        with pytest.raises(expected):
            action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {enc: _bomb(enc) for enc in ("gzip", "deflate", "br")}


def test_bounded_gunzip_stops_at_the_limit_in_memory(bombs: dict[str, bytes]) -> None:
    assert len(bombs["gzip"]) < 1 * MiB  # 200 MiB of zeros in a few hundred KiB
    peak = _peak_memory_raising(SizeLimitExceeded, lambda: bounded_gunzip(bombs["gzip"], 10 * MiB))
    assert peak < 30 * MiB, f"peak {peak / MiB:.0f} MiB while inflating"
    assert bounded_gunzip(gzip.compress(b"<urlset/>"), 10 * MiB) == b"<urlset/>"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_http_decompression_stops_at_download_maxsize(bombs: dict[str, bytes], encoding: str) -> None:
    crawler = get_crawler(Spider, {"DOWNLOAD_MAXSIZE": 10 * MiB})
    crawler.spider = crawler._create_spider("s")
    mw = BoundedHttpCompressionMiddleware.from_crawler(crawler)
    request = Request("http://example.test/bomb")
    response = Response(request.url, body=bombs[encoding], headers={"Content-Encoding": encoding, "Content-Type": "text/html"}, request=request)
    peak = _peak_memory_raising(IgnoreRequest, lambda: mw.process_response(request, response))
    assert peak < 40 * MiB, f"{encoding}: peak {peak / MiB:.0f} MiB while inflating"
    assert crawler.stats.get_value(stat_key("size-limit", "decompressed")) == 1


def test_http_decompression_of_normal_bodies_still_works() -> None:
    crawler = get_crawler(Spider, {"DOWNLOAD_MAXSIZE": 10 * MiB})
    mw = BoundedHttpCompressionMiddleware.from_crawler(crawler)
    html = b"<html><body><p>hello</p></body></html>"
    for encoding, body in (("gzip", gzip.compress(html)), ("br", brotli.compress(html)), ("deflate", zlib.compress(html))):
        request = Request("http://example.test/")
        response = Response(request.url, body=body, headers={"Content-Encoding": encoding, "Content-Type": "text/html"}, request=request)
        out = mw.process_response(request, response)
        assert out.body == html and isinstance(out, HtmlResponse)
    assert crawler.stats.get_value(stat_key("size-limit")) is None


def _deadline(**settings: object) -> tuple[DeadlineMiddleware, object]:
    crawler = get_crawler(Spider, {"DOWNLOAD_TIMEOUT": 20, "REDIRECT_MAX_TIMES": 3, **settings})
    return DeadlineMiddleware.from_crawler(crawler), crawler.stats


def test_slow_body_timeout_is_counted_and_not_retried() -> None:
    mw, stats = _deadline()
    request = Request("http://example.test/drip")
    mw.process_request(request)
    assert request.meta["download_timeout"] == 20
    mw._headers_received(request=request)  # the headers came, then the body dripped
    with pytest.raises(IgnoreRequest):
        mw.process_exception(request, DownloadTimeoutError("took longer than 20 seconds"))
    assert stats.get_value(stat_key("timeout", "slow-body")) == 1


def test_no_response_timeout_is_counted_and_left_to_retry() -> None:
    mw, stats = _deadline()
    request = Request("http://example.test/silent")
    assert mw.process_exception(request, DownloadTimeoutError("took longer")) is None
    assert stats.get_value(stat_key("timeout", "no-response")) == 1


def test_download_cancelled_for_size_is_counted() -> None:
    mw, stats = _deadline()
    with pytest.raises(IgnoreRequest):
        mw.process_exception(Request("http://example.test/huge"), DownloadCancelledError("maxsize"))
    assert stats.get_value(stat_key("size-limit", "download")) == 1


def test_run_deadline_shortens_download_timeout() -> None:
    import time

    mw, _ = _deadline()
    mw.run_deadline = time.monotonic() + 5
    request = Request("http://example.test/")
    mw.process_request(request)
    assert 1 <= request.meta["download_timeout"] <= 5
    mw.run_deadline = time.monotonic() - 1
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("http://example.test/late"))


def test_too_many_redirects_is_counted() -> None:
    mw, stats = _deadline()
    request = Request("http://example.test/r4", meta={"redirect_times": 3})
    response = Response(request.url, status=302, headers={"Location": "/r5"}, request=request)
    assert mw.process_response(request, response) is response
    assert stats.get_value(stat_key("trap", "redirect-chain")) == 1
    ok = Request("http://example.test/r1", meta={"redirect_times": 1})
    mw.process_response(ok, Response(ok.url, status=302, headers={"Location": "/r2"}, request=ok))
    assert stats.get_value(stat_key("trap", "redirect-chain")) == 1


def test_depth_limit_is_counted() -> None:
    crawler = get_crawler(Spider, {"DEPTH_LIMIT": 2})
    mw = CountingDepthMiddleware.from_crawler(crawler)
    parent = Response("http://example.test/a", request=Request("http://example.test/a", meta={"depth": 2}))
    parent.meta["depth"] = 2
    assert mw.get_processed_request(Request("http://example.test/b"), parent) is None
    assert crawler.stats.get_value(stat_key("limit-hit", "max_depth")) == 1


def test_run_limits_stop_once_at_max_pages() -> None:
    crawler = get_crawler(Spider, {"NEWSARCHIVE_MAX_PAGES": 3, "NEWSARCHIVE_MAX_RUN_SECONDS": 0, "NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS": 0})
    limits = RunLimits.from_crawler(crawler)
    limits.spider_opened(crawler._create_spider("s"))
    assert limits.max_pages == 3 and limits.max_run_seconds is None
    stopped: list[str] = []
    from spiders.limits import run_stopping

    crawler.signals.connect(lambda reason, **_: stopped.append(reason), signal=run_stopping, weak=False)
    for n in range(5):
        url = f"http://example.test/{n}"
        limits.response_received(Response(url), Request(url))
    assert limits.stopping == "max_pages"
    assert stopped == ["limit-hit/max_pages"]
    assert crawler.stats.get_value(stat_key("limit-hit", "max_pages")) == 1
    limits.spider_closed(None, "closespider_pagecount")
    assert crawler.stats.get_value(stat_key("limit-hit", "max_pages")) == 1
    assert crawler.stats.get_value("newsarchive/stopped_by") == "limit-hit/max_pages"


def test_run_limits_take_the_smallest_of_source_and_settings() -> None:
    from pipelines.config import Limits

    crawler = get_crawler(Spider, {"NEWSARCHIVE_MAX_PAGES": 50, "NEWSARCHIVE_MAX_RUN_SECONDS": 0, "NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS": 0})
    limits = RunLimits.from_crawler(crawler)
    spider = crawler._create_spider("s")
    spider.source = type("S", (), {"limits": Limits(max_pages=10, max_depth=2)})()
    limits.spider_opened(spider)
    assert limits.max_pages == 10 and limits.max_run_seconds is None


def test_scrapy_closespider_reasons_are_reported_as_limits() -> None:
    crawler = get_crawler(Spider, {"NEWSARCHIVE_MAX_RUN_SECONDS": 0, "NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS": 0})
    limits = RunLimits.from_crawler(crawler)
    limits.spider_closed(None, "closespider_timeout")
    assert crawler.stats.get_value(stat_key("limit-hit", "max_run_seconds")) == 1


def test_gzip_file_sitemap_bomb_is_dropped_before_anyone_inflates_it(bombs: dict[str, bytes]) -> None:
    crawler = get_crawler(Spider, {"DOWNLOAD_MAXSIZE": 10 * MiB, "NEWSARCHIVE_FEED_MAX_BYTES": 20 * MiB})
    mw = BoundedHttpCompressionMiddleware.from_crawler(crawler)
    request = Request("http://example.test/sitemap-bomb.xml.gz")
    response = Response(request.url, body=bombs["gzip"], headers={"Content-Type": "application/x-gzip"}, request=request)
    peak = _peak_memory_raising(IgnoreRequest, lambda: mw.process_response(request, response))
    assert peak < 5 * MiB
    assert crawler.stats.get_value(stat_key("size-limit", "decompressed-file")) == 1
    small = Response(request.url, body=gzip.compress(b"<urlset/>"), headers={"Content-Type": "application/x-gzip"}, request=request)
    assert mw.process_response(request, small).body == small.body  # left for the spider to inflate


def test_after_a_stop_nothing_new_is_fetched_and_bodies_in_flight_are_cut() -> None:
    from scrapy.exceptions import StopDownload

    from spiders.limits import run_stopping

    mw, stats = _deadline()
    request = Request("http://example.test/drip")
    mw._bytes_received(request=request)  # running: bodies flow
    mw.crawler.signals.send_catch_log(signal=run_stopping, reason="limit-hit/max_run_seconds")
    with pytest.raises(StopDownload):
        mw._bytes_received(request=request)
    with pytest.raises(IgnoreRequest):
        mw.process_exception(request, StopDownload(fail=True))
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("http://example.test/next"))


def test_stop_drops_requests_waiting_in_downloader_slots() -> None:
    from collections import deque
    from types import SimpleNamespace

    from twisted.internet.defer import Deferred

    crawler = get_crawler(Spider, {"NEWSARCHIVE_MAX_RUN_SECONDS": 0, "NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS": 0})
    limits = RunLimits.from_crawler(crawler)
    waiting = [Deferred() for _ in range(3)]
    failures: list[object] = []
    for d in waiting:
        d.addErrback(failures.append)
    slot = SimpleNamespace(queue=deque((Request(f"http://example.test/{n}"), d) for n, d in enumerate(waiting)))
    limits._drop_queued(SimpleNamespace(downloader=SimpleNamespace(slots={"example.test": slot})))
    assert not slot.queue and len(failures) == 3
    assert all(f.check(IgnoreRequest) for f in failures)  # type: ignore[attr-defined]
    assert crawler.stats.get_value("newsarchive/stop/dropped_queued") == 3


def test_a_graceful_shutdown_releases_waits_like_a_limit() -> None:
    from spiders.limits import run_stopping

    crawler = get_crawler(Spider, {"NEWSARCHIVE_MAX_RUN_SECONDS": 0, "NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS": 0})
    limits = RunLimits.from_crawler(crawler)
    heard: list[str] = []
    crawler.signals.connect(lambda reason, **_: heard.append(reason), signal=run_stopping, weak=False)
    crawler.crawling = True
    limits.watch_shutdown()
    assert heard == []
    crawler.crawling = False  # what Crawler.stop() does first on SIGINT/SIGTERM
    limits.watch_shutdown()
    limits.watch_shutdown()
    assert heard == ["shutdown"]
    assert crawler.stats.get_value(stat_key("limit-hit")) is None  # a shutdown is not a limit
