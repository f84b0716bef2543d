"""The seen-URL state and the middleware that makes crawls incremental (no network)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from crawl_settings import get_crawler

from spiders.items import StagedPage

from spiders.outcomes import collect
from spiders.seen import KIND_META, SEEN_META, UPDATED_META, SeenUrls, SeenUrlsMiddleware
from spiders.summary import build_summary

ETAG = '"v1"'
LM = "Wed, 01 May 2024 10:00:00 GMT"


def middleware(urls: dict) -> SeenUrlsMiddleware:
    crawler = get_crawler(Spider, {"NEWSARCHIVE_UPLOAD": False})
    mw = SeenUrlsMiddleware.from_crawler(crawler)
    mw.seen = SeenUrls("s", urls)
    return mw


def entry(**kw) -> dict:
    base = {"url": "", "etag": None, "last_modified": None, "fetched_at": "2024-05-02T00:00:00+00:00", "content_hash": "h"}
    return {**base, **kw}


def test_known_article_gets_a_conditional_get_and_304_is_counted_not_modified() -> None:
    mw = middleware({"https://n.example/2024/a/": entry(etag=ETAG, last_modified=LM)})
    # any variant of the URL is the same article
    request = Request("https://n.example/2024/a/?utm_source=feed#top", meta={KIND_META: "page"})
    assert mw.process_request(request) is None
    assert request.headers[b"If-None-Match"] == ETAG.encode()
    assert request.headers[b"If-Modified-Since"] == LM.encode()
    assert request.meta[SEEN_META]["etag"] == ETAG
    with pytest.raises(IgnoreRequest):
        mw.process_response(request, HtmlResponse(request.url, status=304, request=request))
    assert collect(mw.stats.get_stats()) == {"not-modified": 1}
    # a 200 (changed) goes on to the spider
    ok = HtmlResponse(request.url, status=200, body=b"<html></html>", request=request)
    assert mw.process_response(request, ok) is ok


def test_known_article_without_validators_is_not_fetched_unless_listed_as_updated() -> None:
    mw = middleware({"https://n.example/2024/b/": entry()})
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("https://n.example/2024/b/", meta={KIND_META: "page"}))
    assert collect(mw.stats.get_stats()) == {"skipped-seen": 1, "skipped-seen/no-validators": 1}
    newer = Request(
        "https://n.example/2024/b/", meta={KIND_META: "page", UPDATED_META: datetime(2024, 6, 1, tzinfo=timezone.utc)}
    )
    assert mw.process_request(newer) is None  # the sitemap says it changed after our fetch


def test_unknown_pages_and_discovery_documents_are_untouched() -> None:
    mw = middleware({"https://n.example/feed/": entry(etag=ETAG)})
    feed = Request("https://n.example/feed/", meta={KIND_META: "feed"})
    assert mw.process_request(feed) is None and b"If-None-Match" not in feed.headers
    new = Request("https://n.example/2024/new/", meta={KIND_META: "page"})
    assert mw.process_request(new) is None and SEEN_META not in new.meta


def test_state_merge_keeps_the_newest_entry_and_other_writers_urls() -> None:
    seen = SeenUrls.from_json("s", {"urls": {}})
    seen.record("https://n.example/a/?utm_medium=x", etag=ETAG, last_modified=None, fetched_at="2024-05-03T00:00:00+00:00", content_hash="h2")
    stored = {
        "version": 1,
        "urls": {
            "https://n.example/a/": entry(fetched_at="2024-05-01T00:00:00+00:00"),
            "https://n.example/other/": entry(),
        },
    }
    merged = seen.merge_into(stored)
    assert merged["urls"]["https://n.example/a/"]["content_hash"] == "h2"
    assert "https://n.example/other/" in merged["urls"]
    # a concurrent writer that fetched later wins
    later = {"urls": {"https://n.example/a/": entry(fetched_at="2024-05-09T00:00:00+00:00", content_hash="h9")}}
    assert seen.merge_into(later)["urls"]["https://n.example/a/"]["content_hash"] == "h9"
    assert SeenUrls.from_json("s", None).urls == {}


def test_summary_collects_every_outcome_and_names_limits() -> None:
    stats = {
        "newsarchive/outcome/fetched": 3,
        "newsarchive/outcome/fetched/html": 3,
        "newsarchive/outcome/trap": 1,
        "newsarchive/outcome/trap/calendar": 1,
        "newsarchive/outcome/limit-hit/max_depth": 2,
        "newsarchive/pages": [{"url": "u", "outcome": "trap", "reason": "calendar"}],
        "downloader/response_count": 4,
        "start_time": datetime(2024, 5, 1, tzinfo=timezone.utc),
        "other/stat": 9,
    }
    summary = build_summary(stats, source_id="s", run_id="r", reason="closespider_pagecount")
    assert summary["outcomes"] == {
        "fetched": 3, "fetched/html": 3, "limit-hit/max_depth": 2, "trap": 1, "trap/calendar": 1,
    }
    assert summary["limits_hit"] == ["max_depth", "max_pages"]
    assert summary["complete"] is False and summary["ok"] is True
    assert summary["pages"] == [{"url": "u", "outcome": "trap", "reason": "calendar"}]
    assert summary["files"]["records"] == "staging/r/s/records.jsonl"


def test_same_text_behind_new_validators_refreshes_them() -> None:
    mw = middleware({"https://n.example/2024/c/": entry(etag='"old"', content_hash="same")})
    item = StagedPage(
        url="https://n.example/2024/c/", html=None, status=200, etag='"new"', content_hash="same",
        unchanged=True, fetched_at=datetime(2024, 6, 1, tzinfo=timezone.utc), detected_by="json-ld",
    )
    mw.item_dropped(item, None, Exception("seen"), None)
    assert mw.seen.get("https://n.example/2024/c/")["etag"] == '"new"'
    assert "https://n.example/2024/c/" in mw.seen.merge_into(None)["urls"]
    # an article dropped for another reason leaves the state alone
    other = StagedPage(url="https://n.example/2024/d/", html=None, status=200, fetched_at=datetime(2024, 6, 1, tzinfo=timezone.utc), detected_by="json-ld")
    mw.item_dropped(other, None, Exception("not an article"), None)
    assert mw.seen.get("https://n.example/2024/d/") is None
