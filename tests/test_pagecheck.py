"""Not-an-article detection: soft-404s, error pages, empty/tiny and binary bodies, too-deep HTML
are dropped and counted before they can be staged; real articles pass."""

from __future__ import annotations

import pytest

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse
from crawl_settings import get_crawler
from spiders.outcomes import stat_key
from spiders.pagecheck import PageCheckMiddleware, check_page

FILLER = " ".join(["The council met on Tuesday to discuss the harbour budget and the new ferry timetable."] * 20)


def _html(title: str, h1: str = "", body_class: str = "single-post", extra_head: str = "", text: str = FILLER) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:type" content="article">{extra_head}<script>var theme = "{"x" * 600}";</script></head>'
        f'<body class="{body_class}"><article><h1>{h1 or title}</h1><p>{text}</p></article></body></html>'
    ).encode()


def _response(body: bytes, url: str = "http://news.test/2026/11/story/", ctype: str = "text/html; charset=utf-8") -> HtmlResponse:
    return HtmlResponse(url, body=body, headers={"Content-Type": ctype}, request=Request(url))


@pytest.mark.parametrize(
    ("body", "outcome", "reason"),
    [
        (_html("Harbour budget approved"), None, None),
        (_html("Why 404 pages matter", h1="Why 404 pages matter", body_class="single"), None, None),
        (_html("Route 404 closed for repairs", text="Short."), None, None),
        (_html("Lost and not found: the town's missing archive"), None, None),  # a long story
        (_html("404 - Page not found", text="Sorry."), "soft-404", "title"),
        (_html("Error 404", text="Sorry."), "soft-404", "title"),
        (_html("Nothing here", body_class="error404 wp-theme"), "soft-404", "error-class"),
        (_html("Oops", h1="Page not found", text="Sorry, nothing here."), "soft-404", "heading"),
        (_html("Seite nicht gefunden – Stadtblatt", text="Sorry, nothing here."), "soft-404", "title"),
        (_html("Página no encontrada", text="Sorry, nothing here."), "soft-404", "title"),
        (_html("Story", extra_head='<link rel="canonical" href="http://news.test/404/">'), "soft-404", "canonical-404"),
        (_html("Error establishing a database connection", text="Sorry, nothing here."), "not-article", "error-page"),
        (_html("Just a moment...", text="Sorry, nothing here."), "not-article", "error-page"),
        (b"", "not-article", "empty"),
        (b"   \n  ", "not-article", "empty"),
        (b"<html><body>hi</body></html>", "not-article", "tiny-body"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00\x01" * 600, "bad-encoding", "binary-as-html"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "bad-encoding", "binary-as-html"),
        (b"<html><body>" + b"<div>" * 400 + b"deep" + b"</div>" * 400 + b"</body></html>", "not-article", "too-deep"),
    ],
)
def test_check_page(body: bytes, outcome: str | None, reason: str | None) -> None:
    problem = check_page(_response(body))
    assert ((problem.outcome, problem.reason) if problem else (None, None)) == (outcome, reason)


def test_an_article_about_not_found_pages_with_enough_text_is_kept_unless_the_title_says_404() -> None:
    body = _html("The internet's missing history", h1="The internet's missing history")
    assert check_page(_response(body)) is None


def test_middleware_drops_and_counts() -> None:
    crawler = get_crawler(Spider)
    mw = PageCheckMiddleware.from_crawler(crawler)
    response = _response(_html("Page not found", body_class="error404"))
    with pytest.raises(IgnoreRequest):
        mw.process_response(response.request, response)
    assert crawler.stats.get_value(stat_key("soft-404", "error-class")) == 1
    good = _response(_html("Harbour budget approved"))
    assert mw.process_response(good.request, good) is good


def test_middleware_leaves_feeds_robots_and_errors_alone() -> None:
    mw = PageCheckMiddleware.from_crawler(get_crawler(Spider))
    url = "http://news.test/robots.txt"
    robots = TextResponse(url, body=b"User-agent: *\n", headers={"Content-Type": "text/plain"}, request=Request(url))
    assert mw.process_response(robots.request, robots) is robots
    feed = _response(b'<?xml version="1.0"?><rss><channel></channel></rss>', ctype="text/html")
    assert mw.process_response(feed.request, feed) is feed
    missing = HtmlResponse("http://news.test/x", status=404, body=b"", request=Request("http://news.test/x"))
    assert mw.process_response(missing.request, missing) is missing
