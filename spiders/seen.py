"""Incremental crawling: the per-source seen-URL state and the middleware that uses it.

State lives in the bucket at ``_state/seen/<source>.json``: ``{"version": 1, "source": ID,
"urls": {canonical_url: {"url", "etag", "last_modified", "fetched_at", "content_hash"}}}``
(canonical URLs from :func:`pipelines.urls.canonicalize_url`). Only staged articles enter it.

:class:`SeenUrlsMiddleware` (downloader middleware):

* a request for a known article gets ``If-None-Match`` / ``If-Modified-Since`` from the stored
  validators; a ``304`` is counted ``not-modified`` and goes no further;
* a known article without validators is not fetched again (``skipped-seen/no-validators``),
  unless a feed or sitemap says it changed after we fetched it (``newsarchive_updated`` meta);
* the URL's entry travels to the spider in ``request.meta["newsarchive_seen"]`` so the staging
  pipeline can recognise an unchanged text behind a ``200``.

Feeds, sitemaps, start pages and listings are always fetched (they are how news is found).
Entries are added from the ``item_scraped`` signal (and refreshed from ``item_dropped`` when
a changed ETag hid the same text) and written back at close with
``Storage.update_json`` (a conditional write, merged with concurrent writers: newest wins).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro

from pipelines import layout
from pipelines.urls import canonicalize_url
from spiders.context import crawl_context
from spiders.items import StagedPage
from spiders.outcomes import count
from spiders.staging import STORAGE_ERRORS_STAT, get_storage

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

log = logging.getLogger(__name__)

STATE_VERSION = 1
# request.meta keys
KIND_META = "newsarchive_kind"  # "feed" | "sitemap" | "start" | "page" (set by the spider)
SEEN_META = "newsarchive_seen"
UPDATED_META = "newsarchive_updated"  # datetime a feed/sitemap gave for the URL
CONDITIONAL_META = "newsarchive_conditional"
DISCOVERY_KINDS = frozenset({"feed", "sitemap", "start", "robots"})


class SeenUrls:
    """The seen-URL state of one source (a plain mapping; no I/O)."""

    def __init__(self, source_id: str, urls: dict[str, dict[str, Any]] | None = None) -> None:
        self.source_id = source_id
        self.urls: dict[str, dict[str, Any]] = dict(urls or {})
        self.changed: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_json(cls, source_id: str, data: Any) -> SeenUrls:
        """Load the stored document (``None`` or a foreign shape gives an empty state)."""
        urls = data.get("urls") if isinstance(data, dict) else None
        return cls(source_id, urls if isinstance(urls, dict) else {})

    def get(self, url: str) -> dict[str, Any] | None:
        """The entry of a URL (any variant of it), or ``None``."""
        return self.urls.get(canonicalize_url(url))

    def record(self, url: str, *, etag: str | None, last_modified: str | None, fetched_at: str, content_hash: str | None) -> None:
        """Remember an article as staged (or re-confirmed) now."""
        key = canonicalize_url(url)
        entry = {
            "url": url,
            "etag": etag,
            "last_modified": last_modified,
            "fetched_at": fetched_at,
            "content_hash": content_hash,
        }
        self.urls[key] = entry
        self.changed[key] = entry

    def merge_into(self, current: Any) -> dict[str, Any]:
        """Our changes merged into the stored document ``current`` (newest ``fetched_at`` wins)."""
        doc = current if isinstance(current, dict) and isinstance(current.get("urls"), dict) else {}
        urls: dict[str, Any] = dict(doc.get("urls") or {})
        for key, entry in self.changed.items():
            old = urls.get(key)
            if not isinstance(old, dict) or str(old.get("fetched_at") or "") <= str(entry["fetched_at"]):
                urls[key] = entry
        return {"version": STATE_VERSION, "source": self.source_id, "urls": urls}


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class SeenUrlsMiddleware:
    """Conditional GETs and seen-URL skips for known articles (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.seen: SeenUrls | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenUrlsMiddleware:
        return cls(crawler)

    # -- lifecycle

    def spider_opened(self, spider: Spider) -> None:
        from pipelines.storage import ObjectNotFound, StorageError

        context = crawl_context(self.crawler)
        source_id = context.source.id if context is not None else spider.name
        storage = get_storage(self.crawler)
        data = None
        if storage is not None:
            key = layout.seen_key(source_id)
            try:
                data = storage.get_json(key)
            except ObjectNotFound:
                data = None
            except StorageError as exc:
                # without the state the crawl would refetch everything: stop with one clear line
                log.error("seen: cannot read %s: %s", key, exc)
                self.stats.inc_value(STORAGE_ERRORS_STAT)
                self.stats.set_value("newsarchive/storage_error/seen-state", str(exc))
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="storage_error"))
        self.seen = SeenUrls.from_json(source_id, data)
        self.stats.set_value("newsarchive/seen/known", len(self.seen.urls))
        log.info("seen: %d known article URL(s) for %s", len(self.seen.urls), source_id)

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        if self.seen is None or not isinstance(item, StagedPage) or item.article is None:
            return
        self._remember(self.seen, item)

    def item_dropped(self, item: Any, response: Response, exception: BaseException, spider: Spider) -> None:
        # same text behind new validators (a comment count changed the ETag): remember the new
        # validators so the next run gets its 304
        if self.seen is not None and isinstance(item, StagedPage) and item.unchanged:
            self._remember(self.seen, item)

    @staticmethod
    def _remember(seen: SeenUrls, item: StagedPage) -> None:
        """Record the item's URL with the validators and content hash it was fetched with."""
        seen.record(
            item.url,
            etag=item.etag,
            last_modified=item.last_modified,
            fetched_at=(item.fetched_at or datetime.now(timezone.utc)).isoformat(),
            content_hash=item.content_hash,
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        from pipelines.storage import StorageError

        storage = get_storage(self.crawler)
        if self.seen is None or storage is None or not self.seen.changed:
            return
        if reason == "storage_error":
            return
        key = layout.seen_key(self.seen.source_id)
        try:
            stored = storage.update_json(key, self.seen.merge_into)
        except StorageError as exc:
            log.error("seen: cannot write %s: %s", key, exc)
            self.stats.inc_value(STORAGE_ERRORS_STAT)
            self.stats.set_value("newsarchive/storage_error/seen-state", str(exc))
            return
        self.stats.set_value("newsarchive/seen/stored", len(stored.get("urls", {})))
        log.info("seen: %d new/updated URL(s) written to %s", len(self.seen.changed), key)

    # -- downloader middleware

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.seen is None or request.meta.get(KIND_META) in DISCOVERY_KINDS:
            return None
        entry = self.seen.get(request.url)
        if entry is None:
            return None
        request.meta[SEEN_META] = entry
        etag, last_modified = entry.get("etag"), entry.get("last_modified")
        if etag or last_modified:
            if etag and b"If-None-Match" not in request.headers:
                request.headers[b"If-None-Match"] = etag
            if last_modified and b"If-Modified-Since" not in request.headers:
                request.headers[b"If-Modified-Since"] = last_modified
            request.meta[CONDITIONAL_META] = True
            return None
        updated = request.meta.get(UPDATED_META)
        fetched = _parse_iso(entry.get("fetched_at"))
        if isinstance(updated, datetime) and fetched is not None and updated > fetched:
            return None  # the feed/sitemap says it changed since: fetch it again
        count(self.stats, "skipped-seen", "no-validators")
        raise IgnoreRequest(f"newsarchive: already staged {request.url}")

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if response.status == 304 and request.meta.get(CONDITIONAL_META):
            count(self.stats, "not-modified")
            raise IgnoreRequest(f"newsarchive: not modified {request.url}")
        return response


def _parse_iso(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)

