"""Trap filter: endless chains stop after a budget with a reason; WordPress junk never fetched."""

from __future__ import annotations

import pytest

from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from crawl_settings import get_crawler
from spiders.outcomes import stat_key
from spiders.traps import TrapFilterMiddleware, chain_kind, repeated_block, url_shape, wordpress_junk

BASE = "http://news.test"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"{BASE}/wp-login.php?redirect_to=%2F2026%2F11%2Fstory%2F", "wp-login"),
        (f"{BASE}/wp-comments-post.php", "wp-comments-post"),
        (f"{BASE}/wp-admin/admin-ajax.php", "wp-admin"),
        (f"{BASE}/xmlrpc.php", "xmlrpc"),
        (f"{BASE}/2026/11/story/?replytocom=42", "wp-replytocom"),
        (f"{BASE}/2026/11/story/?share=twitter&nb=1", "wp-share"),
        (f"{BASE}/2026/11/story/comment-page-2/", "wp-comment-page"),
        (f"{BASE}/2026/11/story/feed/", "wp-feed-variant"),
        (f"{BASE}/2026/11/story/amp/", "wp-amp"),
        (f"{BASE}/amp/2026/11/story/", "wp-amp"),
        (f"{BASE}/2026/11/story/", None),
        (f"{BASE}/feed/", None),  # the site feed is discovery, not a variant
        (f"{BASE}/?s=query", None),
    ],
)
def test_wordpress_junk(url: str, reason: str | None) -> None:
    assert wordpress_junk(url) == reason


def test_shapes_and_kinds() -> None:
    assert url_shape(f"{BASE}/calendar/2031/07/") == url_shape(f"{BASE}/calendar/2031/08/")
    assert url_shape(f"{BASE}/list?page=7&sort=new") == url_shape(f"{BASE}/list?sort=new&page=8")
    assert url_shape(f"{BASE}/2026/11/a-story/") != url_shape(f"{BASE}/2026/11/another-story/")
    assert chain_kind(f"{BASE}/calendar/2031/07/") == "calendar"
    assert chain_kind(f"{BASE}/events/?month=2031-07") == "calendar"
    assert chain_kind(f"{BASE}/archive?page=8") == "pagination"
    assert chain_kind(f"{BASE}/item/8/") == "counter"
    assert repeated_block(["a", "b", "a", "b", "a", "b"])
    assert repeated_block(["x", "x", "x"])
    assert not repeated_block(["2026", "11", "26", "story"])


def _mw(**settings: object) -> TrapFilterMiddleware:
    return TrapFilterMiddleware.from_crawler(get_crawler(Spider, {"NEWSARCHIVE_TRAP_CHAIN_BUDGET": 5, **settings}))


def _response(url: str, request: Request | None = None) -> HtmlResponse:
    request = request or Request(url)
    return HtmlResponse(url, body=b"<html></html>", request=request)


def _follow_chain(mw: TrapFilterMiddleware, next_url, steps: int = 50) -> int:
    """Follow a chain where page n links to page n+1; how many links were let through."""
    request = Request(next_url(0))
    followed = 0
    for n in range(1, steps):
        response = _response(request.url, request)
        nxt = mw.get_processed_request(Request(next_url(n)), response)
        if nxt is None:
            break
        followed += 1
        request = nxt
    return followed


@pytest.mark.parametrize(
    ("next_url", "reason"),
    [
        (lambda n: f"{BASE}/calendar/{2030 + (n + 6) // 12}/{(n + 6) % 12 + 1:02d}/", "calendar"),
        (lambda n: f"{BASE}/archive/?page={n + 1}", "pagination"),
        (lambda n: f"{BASE}/item/{n + 1}/", "counter"),
        (lambda n: f"{BASE}/deep/" + "/".join(str(k) for k in range(1, n + 2)) + "/", "growing-path"),
    ],
)
def test_endless_chains_stop_after_the_budget(next_url, reason: str) -> None:
    mw = _mw()
    assert _follow_chain(mw, next_url) == 5
    assert mw.stats.get_value(stat_key("trap", reason)) == 1


def test_a_listing_with_many_numbered_links_is_not_a_chain() -> None:
    mw = _mw()
    listing = _response(f"{BASE}/news/")
    kept = [mw.get_processed_request(Request(f"{BASE}/story/{n}"), listing) for n in range(100)]
    assert all(r is not None for r in kept)
    assert mw.stats.get_value(stat_key("trap")) is None


def test_relative_link_pile_up_is_stopped() -> None:
    mw = _mw()
    response = _response(f"{BASE}/x/x/")
    assert mw.get_processed_request(Request(f"{BASE}/x/x/x/"), response) is None
    assert mw.stats.get_value(stat_key("trap", "growing-path")) == 1


def test_wordpress_variants_are_rewritten_to_the_post_and_endpoints_dropped() -> None:
    mw = _mw()
    page = _response(f"{BASE}/2026/11/story/")
    out = mw.get_processed_request(Request(f"{BASE}/2026/11/other/?replytocom=7#respond"), page)
    assert out is not None and out.url == f"{BASE}/2026/11/other/"
    assert mw.get_processed_request(Request(f"{BASE}/wp-login.php?redirect_to=x"), page) is None
    assert mw.get_processed_request(Request(f"{BASE}/wp-comments-post.php"), page) is None
    assert mw.stats.get_value(stat_key("trap", "wp-replytocom")) == 1
    assert mw.stats.get_value(stat_key("trap", "wp-login")) == 1


def test_a_document_linking_back_to_where_it_came_from() -> None:
    mw = _mw()
    index = Request(f"{BASE}/sitemap_index.xml")
    child = mw.get_processed_request(Request(f"{BASE}/sitemap-1.xml"), _response(index.url, index))
    assert child is not None
    back = mw.get_processed_request(Request(f"{BASE}/sitemap_index.xml"), _response(child.url, child))
    assert back is None
    assert mw.stats.get_value(stat_key("trap", "self-reference")) == 1


def test_start_requests_pass() -> None:
    mw = _mw()
    start = Request(f"{BASE}/calendar/2031/07/")
    assert mw.get_processed_request(start, None) is start


def test_a_sitemap_listing_itself_is_counted() -> None:
    mw = _mw()
    url = f"{BASE}/sitemap-loop.xml"
    body = (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{url}</loc></sitemap><sitemap><loc>{BASE}/sitemap-news.xml</loc></sitemap></sitemapindex>"
    ).encode()
    from scrapy.http import XmlResponse

    mw.process_spider_input(XmlResponse(url, body=body, request=Request(url)))
    assert mw.stats.get_value(stat_key("trap", "self-reference")) == 1
    other = f"{BASE}/sitemap-news.xml"
    mw.process_spider_input(XmlResponse(other, body=b"<urlset><url><loc>http://news.test/a</loc></url></urlset>", request=Request(other)))
    assert mw.stats.get_value(stat_key("trap", "self-reference")) == 1
