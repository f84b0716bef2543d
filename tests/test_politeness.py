"""Politeness: Crawl-delay applied to the host's slot, Retry-After and backoff waited out before a
retry, waits released when the run stops. Components are driven with a fake clock (no network);
the trap crawl measures the same over real HTTP from the server's request log.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import SimpleNamespace

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import ProtegoRobotParser
from crawl_settings import get_crawler
from spiders.limits import run_stopping
from spiders.outcomes import stat_key
from spiders.politeness import CrawlDelayMiddleware, PoliteRetryMiddleware, backoff_seconds, parse_retry_after


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("5") == 5
    assert parse_retry_after(b" 120 ") == 120
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_and_is_capped() -> None:
    waits = [backoff_seconds(n, 2.0, 60.0, jitter=0) for n in range(1, 8)]
    assert waits == [2, 4, 8, 16, 32, 60, 60]
    assert all(1.5 <= backoff_seconds(1, 2.0, 60.0) <= 2.5 for _ in range(50))


class FakeDownloader:
    def __init__(self, slot: Slot) -> None:
        self.slot = slot

    def _get_slot(self, request: Request) -> tuple[str, Slot]:
        return "example.test", self.slot


def test_crawl_delay_sets_the_slot_delay_without_jitter() -> None:
    crawler = get_crawler(Spider, {"ROBOTSTXT_OBEY": True, "USER_AGENT": "newsarchive/0.1"})
    mw = CrawlDelayMiddleware.from_crawler(crawler)
    slot = Slot(concurrency=2, delay=1.0, jitter=0.5)
    crawler._engine = SimpleNamespace(downloader=FakeDownloader(slot))
    robots = ProtegoRobotParser(b"User-agent: *\nCrawl-delay: 3\nDisallow: /private/\n", None)
    mw.robots_parsed(robotparser=robots, request=Request("http://example.test/robots.txt"))
    mw.process_request(Request("http://example.test/story"))
    assert slot.jitter == 0
    assert min(slot.download_delay() for _ in range(100)) >= 3.0
    # AutoThrottle lowering the delay after a response is undone at once
    slot.delay = 0.5
    mw.response_downloaded(response=Response("http://example.test/story"), request=Request("http://example.test/story"))
    assert slot.delay >= 3.0


def test_configured_delay_wins_when_larger() -> None:
    crawler = get_crawler(Spider, {"ROBOTSTXT_OBEY": True})
    mw = CrawlDelayMiddleware.from_crawler(crawler)
    slot = Slot(concurrency=1, delay=10.0, jitter=0.0)
    crawler._engine = SimpleNamespace(downloader=FakeDownloader(slot))
    mw.robots_parsed(robotparser=ProtegoRobotParser(b"User-agent: *\nCrawl-delay: 2\n", None), request=Request("http://example.test/robots.txt"))
    mw.process_request(Request("http://example.test/a"))
    assert slot.delay == 10.0


def test_absurd_crawl_delay_is_capped() -> None:
    crawler = get_crawler(Spider, {"ROBOTSTXT_OBEY": True, "NEWSARCHIVE_CRAWL_DELAY_MAX": 30})
    mw = CrawlDelayMiddleware.from_crawler(crawler)
    mw.robots_parsed(robotparser=ProtegoRobotParser(b"User-agent: *\nCrawl-delay: 86400\n", None), request=Request("http://example.test/robots.txt"))
    assert mw.delays["example.test"] == 30


def _retry_mw(**settings: object) -> tuple[PoliteRetryMiddleware, Clock, object]:
    crawler = get_crawler(Spider, {"RETRY_PRIORITY_ADJUST": 10, **settings})
    crawler.spider = crawler._create_spider("s")
    mw = PoliteRetryMiddleware.from_crawler(crawler)
    mw.clock = Clock()
    return mw, mw.clock, crawler


def _start(coro: object) -> list[object]:
    out: list[object] = []
    Deferred.fromCoroutine(coro).addBoth(out.append)  # type: ignore[arg-type]
    return out


def test_retry_after_is_waited_out_before_the_retry() -> None:
    mw, clock, crawler = _retry_mw()
    request = Request("http://example.test/busy", priority=0)
    response = Response(request.url, status=429, headers={"Retry-After": "5"}, request=request)
    out = _start(mw.process_response(request, response))
    clock.advance(4.9)
    assert out == [], "retried before Retry-After had passed"
    clock.advance(0.2)
    retry = out[0]
    assert isinstance(retry, Request) and retry.url == request.url
    assert retry.meta["retry_times"] == 1 and retry.dont_filter
    assert retry.priority == 10  # ahead of the queue once the wait is over
    assert crawler.stats.get_value(stat_key("retry-after-wait", "429")) == 1


def test_retry_after_http_date_on_503() -> None:
    mw, clock, _ = _retry_mw()
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=8), usegmt=True)
    request = Request("http://example.test/maintenance")
    out = _start(mw.process_response(request, Response(request.url, status=503, headers={"Retry-After": when}, request=request)))
    clock.advance(6)
    assert out == []
    clock.advance(3)
    assert isinstance(out[0], Request)


def test_too_long_retry_after_gives_up_for_this_run() -> None:
    mw, clock, crawler = _retry_mw(NEWSARCHIVE_RETRY_AFTER_MAX=60)
    request = Request("http://example.test/later")
    response = Response(request.url, status=429, headers={"Retry-After": "3600"}, request=request)
    out = _start(mw.process_response(request, response))
    assert out == [response]
    assert crawler.stats.get_value(stat_key("retry-after-wait", "too-long")) == 1


def test_other_errors_back_off_exponentially() -> None:
    mw, clock, crawler = _retry_mw(NEWSARCHIVE_RETRY_BACKOFF_BASE=4.0)
    request = Request("http://example.test/flaky")
    out = _start(mw.process_response(request, Response(request.url, status=500, request=request)))
    clock.advance(2.9)  # 4 s -25 % at least
    assert out == []
    clock.advance(2.2)
    first = out[0]
    assert isinstance(first, Request) and first.meta["retry_times"] == 1
    out2 = _start(mw.process_exception(first, DownloadTimeoutError("slow")))
    clock.advance(5.9)  # second retry waits 8 s -25 % at least
    assert out2 == []
    clock.advance(4.2)
    assert isinstance(out2[0], Request) and out2[0].meta["retry_times"] == 2
    assert crawler.stats.get_value(stat_key("retry-backoff")) == 2


def test_retries_are_exhausted() -> None:
    mw, clock, _ = _retry_mw(RETRY_TIMES=1)
    request = Request("http://example.test/down", meta={"retry_times": 1})
    response = Response(request.url, status=503, headers={"Retry-After": "1"}, request=request)
    out = _start(mw.process_response(request, response))
    assert out == [response]


def test_stopping_run_releases_waiting_retries() -> None:
    mw, clock, crawler = _retry_mw()
    request = Request("http://example.test/busy")
    out = _start(mw.process_response(request, Response(request.url, status=429, headers={"Retry-After": "100"}, request=request)))
    assert out == []
    crawler.signals.send_catch_log(signal=run_stopping, reason="limit-hit/max_run_seconds")
    assert out and isinstance(out[0].value, IgnoreRequest)  # type: ignore[union-attr]
    assert clock.getDelayedCalls() == []


def test_request_rate_is_a_delay_too() -> None:
    crawler = get_crawler(Spider, {"ROBOTSTXT_OBEY": True})
    mw = CrawlDelayMiddleware.from_crawler(crawler)
    mw.robots_parsed(robotparser=ProtegoRobotParser(b"User-agent: *\nRequest-rate: 1/4\nCrawl-delay: 2\n", None), request=Request("http://example.test/robots.txt"))
    assert mw.delays["example.test"] == 4
