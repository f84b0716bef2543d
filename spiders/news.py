"""The generic ``news`` spider: one source of ``sources.yaml`` per crawl.

``scrapy crawl news -a source=ID [-a sources=FILE] [-a run_id=RID] [-a max_pages=N]`` from the
repository root, or ``python -m spiders.run`` for several sources at once. Discovery starts at
the source's sitemaps, feeds and start pages; every response goes through one callback that
sniffs what it is (sitemap, feed or HTML page — whatever link led to it) and acts accordingly.
HTML pages are classified by :func:`spiders.detect.detect`; articles become items for
:class:`spiders.staging.StagingPipeline`; links are followed within the source's domains,
allow/deny rules and ``limits.max_depth``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urldefrag

import scrapy
from lxml.etree import XPath
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from pipelines.config import Source, load_sources
from pipelines.urls import canonicalize_url, is_comment_or_share_variant
from spiders.detect import detect
from spiders.context import CrawlContext
from spiders.discovery import (
    SITEMAP_MAX_URLS,
    DiscoveryError,
    UrlRules,
    maybe_gunzip,
    read_feed,
    read_sitemap,
    skip_by_extension,
    sniff,
)
from spiders.frontier import Frontier, left_behind
from spiders.outcomes import count, cpu_time, list_page, listed_urls
from spiders.items import StagedPage
from spiders.seen import KIND_META, SEEN_META, UPDATED_META
from spiders.traps import wordpress_junk
from spiders.warc import WARC_ID_META

log = logging.getLogger(__name__)

DEPTH_META = "newsarchive_link_depth"
LISTED_META = "newsarchive_listed"
# Extra levels for DEPTH_LIMIT beyond the source's link depth: sitemap index -> sitemap -> page.
DEPTH_SLACK = 3


RUN_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")

# compiled once, evaluated on the page's lxml tree (no parsel object per link): every fetched page
_X_HREFS = XPath("//a/@href", smart_strings=False)
_X_ANY_LINK = XPath("boolean(//a[@href])")
_X_FEEDS = XPath("//link[@rel='alternate'][contains(@type,'rss') or contains(@type,'atom')]/@href", smart_strings=False)
_X_CANONICAL = XPath("//link[@rel='canonical']/@href", smart_strings=False)


def new_run_id() -> str:
    """A sortable, unique run id: ``YYYYMMDDTHHMMSSZ-<6 hex>``."""
    from secrets import token_hex

    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + token_hex(3)


def source_settings(source: Source, max_pages: int | None = None) -> dict[str, Any]:
    """The Scrapy settings a source's ``politeness`` and ``limits`` imply (``max_pages``, the
    command line's cap, becomes ``NEWSARCHIVE_MAX_PAGES``)."""
    settings: dict[str, Any] = {}
    pol, lim = source.politeness, source.limits
    if pol.download_delay is not None:
        settings["DOWNLOAD_DELAY"] = pol.download_delay
        settings["AUTOTHROTTLE_START_DELAY"] = pol.download_delay
    if pol.concurrency is not None:
        settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = pol.concurrency
    settings["ROBOTSTXT_OBEY"] = pol.obey_robots
    if pol.autothrottle is not None:
        settings["AUTOTHROTTLE_ENABLED"] = pol.autothrottle
    if pol.user_agent:
        settings["USER_AGENT"] = pol.user_agent
    settings["DEPTH_LIMIT"] = lim.max_depth + DEPTH_SLACK
    if max_pages:
        # the page budget itself is decided in one place, spiders.limits.run_budget
        settings["NEWSARCHIVE_MAX_PAGES"] = max_pages
    settings["NEWSARCHIVE_SOURCE"] = source.id
    return settings


class NewsSpider(scrapy.Spider):
    """Crawl one configured news source (see the module docstring)."""

    name = "news"

    source: Source
    run_id: str

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        path = spider.sources_path or settings.get("NEWSARCHIVE_SOURCES") or None
        if not spider.source_id:
            raise ValueError("the news spider needs a source: -a source=ID")
        spider.source = load_sources(path).get(spider.source_id)
        spider.run_id = spider.run_id_arg or settings.get("NEWSARCHIVE_RUN_ID") or new_run_id()
        if not RUN_ID_RE.match(spider.run_id):
            raise ValueError(f"bad run id {spider.run_id!r}: expected YYYYMMDDTHHMMSSZ-<6 hex>")
        # Settings are not frozen until the spider exists: apply the source's own at "spider"
        # priority, so -s on the command line still overrides them. (-a max_pages becomes
        # NEWSARCHIVE_MAX_PAGES; the budget itself is decided by spiders.limits.run_budget.)
        settings.setdict(source_settings(spider.source, spider.max_pages), priority="spider")
        # One crawler per source: no more requests in the downloader than the source's hosts take.
        # More would leave the scheduler at once (while robots.txt is fetched, say) and go out in an
        # order fixed before the feed that lists today's articles was even parsed.
        domains = max(1, len(spider.source.domains()))
        settings.set("CONCURRENT_REQUESTS", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") * domains, priority="spider")
        settings.set("NEWSARCHIVE_RUN_ID", spider.run_id, priority="spider")
        spider.rules = UrlRules(spider.source)
        spider.max_depth = spider.source.limits.max_depth
        spider.min_words = settings.getint("NEWSARCHIVE_ARTICLE_MIN_WORDS")
        spider.feed_max_bytes = settings.getint("NEWSARCHIVE_FEED_MAX_BYTES")
        spider.allowed_domains = spider.source.domains()
        spider.robots_sitemaps = settings.getbool("NEWSARCHIVE_ROBOTS_SITEMAPS") and not spider.source.sitemaps
        spider.frontier = Frontier(
            article_patterns=[re.compile(p) for p in spider.source.article_patterns],
            pattern_cap=settings.getint("NEWSARCHIVE_PATTERN_CAP"),
            sitemap_max_entries=settings.getint("NEWSARCHIVE_SITEMAP_MAX_ENTRIES"),
        )
        spider.context = CrawlContext(spider.source, spider.run_id, spider.frontier)
        crawler.newsarchive = spider.context
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    def __init__(
        self,
        source: str | None = None,
        sources: str | None = None,
        run_id: str | None = None,
        max_pages: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_id = source
        self.sources_path = sources
        self.run_id_arg = run_id
        self.max_pages = int(max_pages) if max_pages else None
        self._requested: set[str] = set()
        self._parsed_documents: set[str] = set()

    # -- requests

    async def start(self) -> AsyncIterator[Request]:
        """Feeds, sitemaps, then start pages (the frontier's priorities order them too)."""
        for url in self.source.feeds:
            if (req := self._request(url, "feed", depth=0, listed=True)) is not None:
                yield req
        for url in self.source.sitemaps:
            if (req := self._request(url, "sitemap", depth=0, listed=True)) is not None:
                yield req
        for url in self.source.start_urls:
            if (req := self._request(url, "start", depth=0, listed=True)) is not None:
                yield req

    def _request(
        self,
        url: str,
        kind: str,
        *,
        depth: int,
        listed: bool = False,
        updated: datetime | None = None,
        listed_by: str | None = None,
        date: datetime | None = None,
        priority: int | None = None,
    ) -> Request | None:
        """A request for ``url`` at its frontier priority, unless it was requested already (any
        variant of it), the source's rules exclude it, or a cap leaves it behind (counted)."""
        url = urldefrag(url)[0]
        if is_comment_or_share_variant(url):
            # fetch the post itself, not its ?replytocom= view; the junk link is counted as a trap
            count(self.crawler.stats, "trap", wordpress_junk(url) or "wp-variant")
            url = canonicalize_url(url)
        key = canonicalize_url(url)
        if key in self._requested:
            return None
        if not self.rules.allowed(url, listed=listed) or skip_by_extension(url):
            return None
        self._requested.add(key)
        if priority is None:
            priority = self.frontier.priority(url, kind, listed_by=listed_by, date=date or updated)
        if kind in ("page", "start") and self.context.budget_spent:
            left_behind(self.crawler.stats, "run-budget", [url])
            return None
        if self.frontier.capped(url, priority):
            left_behind(self.crawler.stats, "pattern-cap", [url])
            return None
        meta: dict[str, Any] = {KIND_META: kind, DEPTH_META: depth, LISTED_META: listed}
        if updated is not None:
            meta[UPDATED_META] = updated
        return Request(url, callback=self.parse, errback=self.on_error, meta=meta, priority=priority)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """A source without configured sitemaps uses those its robots.txt names (in its domains)."""
        if not self.robots_sitemaps:
            return
        rp = getattr(robotparser, "rp", None)
        try:
            urls = list(getattr(rp, "sitemaps", None) or [])
        except Exception:  # noqa: BLE001 - a parser without sitemap support: nothing to add
            return
        for url in urls:
            req = self._request(url, "sitemap", depth=0, listed=True)
            if req is not None:
                log.info("news: sitemap %s from robots.txt", url)
                self.crawler.engine.crawl(req)

    # -- responses

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Every response: sniff what it is, then parse it as a sitemap, a feed or a page."""
        try:
            with cpu_time(self.crawler.stats, "parse"):
                results = list(self._parse(response))
            yield from results
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the crawl
            log.error("news: cannot process %s: %s: %s", response.url, type(exc).__name__, exc)
            count(self.crawler.stats, "failed", "parse-error", url=response.url)

    def _parse(self, response: Response) -> Iterator[Any]:
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        try:
            body = maybe_gunzip(response.body, self.feed_max_bytes)
        except DiscoveryError as exc:
            count(self.crawler.stats, "fetched", "other")
            count(self.crawler.stats, "failed", "bad-gzip", url=response.url)
            log.warning("news: %s: %s", response.url, exc)
            return
        kind = sniff(body, ctype, response.url)
        count(self.crawler.stats, "fetched", kind)
        if kind in ("sitemap", "feed"):
            yield from self._parse_listing(response, body, kind)
        elif kind == "html" and isinstance(response, TextResponse):
            yield from self._parse_page(response)
        else:
            count(self.crawler.stats, "not-article", "not-html", url=response.url)

    def _parse_listing(self, response: Response, body: bytes, kind: str) -> Iterator[Request]:
        key = canonicalize_url(response.url)
        if key in self._parsed_documents:
            return
        self._parsed_documents.add(key)
        stats = self.crawler.stats
        try:
            listing = read_sitemap(body, response.url) if kind == "sitemap" else read_feed(body, response.url)
        except DiscoveryError as exc:
            log.warning("news: bad %s %s: %s", kind, response.url, exc)
            count(stats, "failed", f"bad-{kind}", url=response.url)
            return
        if listing.repaired:
            count(stats, "repaired", kind, url=response.url)
            log.info("news: %s %s is not well-formed XML; read after repairing its references", kind, response.url)
        if listing.over_protocol_limit:
            left_behind(stats, "sitemap-protocol-limit", n=listing.over_protocol_limit)
            log.info("news: sitemap %s lists more than %d URLs; %d not read", response.url, SITEMAP_MAX_URLS, listing.over_protocol_limit)
        stats.inc_value(f"newsarchive/discovered/{kind}", len(listing.found))
        cap = self.frontier.sitemap_max_entries if kind == "sitemap" else 0
        added, over_cap, over_pattern = 0, [], []
        for priority, entry, date in self.frontier.rank(listing.found, kind):
            next_kind = "sitemap" if entry.kind == "sitemap" else "page"
            if self.frontier.pattern_full(entry.url, priority):
                over_pattern.append(entry.url)  # decided before the costlier canonical-URL check
                continue
            if cap and added >= cap:
                over_cap.append(entry.url)
                continue
            req = self._request(
                entry.url, next_kind, depth=0, listed=True, updated=entry.updated, listed_by=entry.listed_by, priority=priority
            )
            if req is not None:
                added += 1
                yield req
        left_behind(stats, "pattern-cap", over_pattern)
        if over_cap:
            left_behind(stats, "sitemap-cap", over_cap)
            log.info("news: sitemap %s: %d entries over NEWSARCHIVE_SITEMAP_MAX_ENTRIES=%d left for later runs", response.url, len(over_cap), cap)

    def _parse_page(self, response: TextResponse) -> Iterator[Any]:
        verdict = detect(
            response.url, response.selector, self.source.article_patterns, min_words=self.min_words, raw=response.text
        )
        if verdict.is_article:
            if verdict.reason != "url-rule":
                self.frontier.learn_article(response.url)  # its links of the same shape go first
            if self._copy_of_requested_article(response):
                count(self.crawler.stats, "skipped-seen", "rel-canonical", url=response.url)
            else:
                yield self._item(response, verdict.reason)
        else:
            count(self.crawler.stats, "not-article", verdict.reason, url=response.url)
        yield from self._follow(response)

    def _copy_of_requested_article(self, response: TextResponse) -> bool:
        """True when the page names another URL of this source as its ``rel=canonical`` and that
        URL is already fetched or queued in this run: the copy is not staged a second time.
        Otherwise the declared URL is marked as requested, so it is not fetched again later."""
        hrefs = _X_CANONICAL(response.selector.root)
        if not hrefs:
            return False
        declared = response.urljoin(hrefs[0].strip())
        key = canonicalize_url(declared)
        if key == canonicalize_url(response.url) or not self.rules.in_domain(declared):
            return False
        if key in self._requested:
            return True
        self._requested.add(key)
        return False

    def _item(self, response: TextResponse, reason: str) -> StagedPage:
        def header(name: bytes) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        self.crawler.stats.inc_value(f"newsarchive/detected/{reason}")
        return StagedPage(
            url=response.url,
            html=response.text,
            status=response.status,
            fetched_at=datetime.now(timezone.utc),
            detected_by=reason,
            etag=header(b"ETag"),
            last_modified=header(b"Last-Modified"),
            warc_record_id=response.meta.get(WARC_ID_META),
            seen=response.meta.get(SEEN_META),
        )

    def _follow(self, response: TextResponse) -> Iterator[Request]:
        depth = int(response.meta.get(DEPTH_META, 0))
        kind = response.meta.get(KIND_META)
        if kind == "start":
            # feeds a start page advertises are discovery too
            for href in _X_FEEDS(response.selector.root):
                req = self._request(urljoin(response.url, href.strip()), "feed", depth=depth, listed=True)
                if req is not None:
                    yield req
        root = response.selector.root
        if depth >= self.max_depth:
            if _X_ANY_LINK(root):
                # a page whose links are not followed: limits.max_depth was reached
                count(self.crawler.stats, "limit-hit", "max_depth")
            return
        base = response.url
        for href in _X_HREFS(root):
            href = href.strip()
            if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
                continue
            try:
                url = urljoin(base, href)
            except ValueError:
                continue
            req = self._request(url, "page", depth=depth + 1)
            if req is not None:
                yield req

    # -- failures

    def on_error(self, failure: Any) -> None:
        """A request that produced no usable response: count it once, log one line."""
        request = failure.request
        url = request.url
        stats = self.crawler.stats
        if failure.check(HttpError):  # before IgnoreRequest: HttpError is one
            status = failure.value.response.status
            reason = f"http-{status}"
        elif failure.check(IgnoreRequest):
            if "robots.txt" in str(failure.value):
                count(stats, "robots-denied", url=url)
                log.info("news: robots.txt forbids %s", url)
            elif not str(failure.value).startswith("newsarchive:") and url not in listed_urls(stats):
                # counted by whoever raised it (a hardening component); make sure the page is
                # named in the summary too
                list_page(stats, url, "skipped", str(failure.value).split(":")[0][:60] or None)
            return
        else:
            reason = _failure_reason(failure.value)
        count(stats, "failed", reason, url=url)
        log.warning("news: failed %s: %s", url, reason if reason.startswith("http-") else f"{reason}: {failure.value}")


def _failure_reason(exc: BaseException) -> str:
    """A short, stable reason for a download failure."""
    names = {
        "DownloadCancelledError": "too-large",
        "DownloadTimeoutError": "timeout",
        "TimeoutError": "timeout",
        "TCPTimedOutError": "timeout",
        "DownloadConnectionRefusedError": "connection-refused",
        "ConnectionRefusedError": "connection-refused",
        "CannotResolveHostError": "dns",
        "DNSLookupError": "dns",
        "ResponseDataLossError": "data-loss",
        "ResponseNeverReceived": "connection-lost",
        "ConnectionLost": "connection-lost",
        "DownloadFailedError": "download-error",
    }
    return names.get(type(exc).__name__, type(exc).__name__.lower())
