"""Charset repair and safe XML: the right text from a mis-declared page, a bomb is a bad feed."""

from __future__ import annotations

import gzip

import pytest

from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from crawl_settings import get_crawler
from spiders.decoding import BadFeed, CharsetRepairMiddleware, choose_encoding, html_depth, parse_xml_safely
from spiders.outcomes import stat_key

TEXT = "Café déjà vu — “smart quotes”, naïve façade, São Paulo’s €5 señor."


def _page(text: str = TEXT, lang: str = "en", meta: str = "utf-8") -> str:
    return f'<html lang="{lang}"><head><meta charset="{meta}"><title>t</title></head><body><p>{text}</p></body></html>'


@pytest.mark.parametrize(
    ("body", "header", "encoding", "reason"),
    [
        (_page().encode("utf-8"), "text/html; charset=utf-8", "utf-8", None),
        (_page().encode("cp1252"), "text/html; charset=utf-8", "cp1252", "declared-utf-8-is-cp1252"),
        (_page(meta="utf-8").encode("cp1252"), "text/html", "cp1252", "declared-utf-8-is-cp1252"),  # meta only
        (_page().encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8", "declared-cp1252-is-utf-8"),
        (_page(meta="x-klingon").encode("utf-8"), "text/html; charset=x-klingon", "utf-8", "unknown-charset"),
        (_page(meta="x-klingon").encode("cp1252"), "text/html; charset=x-klingon", "cp1252", "unknown-charset"),
        (b"\xef\xbb\xbf" + _page().encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8", None),  # BOM wins
        (_page("Příliš žluťoučký kůň úpěl ďábelské ódy.", lang="cs").encode("cp1250"), "text/html; charset=utf-8", "cp1250", "declared-utf-8-is-cp1250"),
        (_page("Москва — столица России. Привет, как дела? " * 4, lang="ru").encode("cp1251"), "text/html; charset=utf-8", "cp1251", "declared-utf-8-is-cp1251"),
    ],
)
def test_choose_encoding(body: bytes, header: str, encoding: str, reason: str | None) -> None:
    choice = choose_encoding(body, header)
    assert (choice.encoding, choice.reason) == (encoding, reason)


def test_middleware_repairs_a_cp1252_page_declared_utf8() -> None:
    crawler = get_crawler(Spider)
    mw = CharsetRepairMiddleware.from_crawler(crawler)
    url = "http://news.test/story"
    response = HtmlResponse(url, body=_page().encode("cp1252"), headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(url))
    assert "\ufffd" in response.text  # what Scrapy alone makes of it
    repaired = mw.process_response(response.request, response)
    assert TEXT in repaired.text and "\ufffd" not in repaired.text
    assert crawler.stats.get_value(stat_key("bad-encoding", "declared-utf-8-is-cp1252")) == 1
    good = HtmlResponse(url, body=_page().encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(url))
    assert mw.process_response(good.request, good) is good


SITEMAP = b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://news.test/a</loc></url></urlset>'
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(9))
    + b"]><rss><channel><item><title>&j;</title><link>http://news.test/x</link></item></channel></rss>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>'


def test_parse_xml_safely_accepts_plain_and_gzipped_documents() -> None:
    assert parse_xml_safely(SITEMAP).tag.endswith("urlset")
    assert parse_xml_safely(gzip.compress(SITEMAP)).tag.endswith("urlset")


def test_minor_errors_are_recovered() -> None:
    root = parse_xml_safely(b"<rss><channel><title>A &nbsp; B & C</title></channel></rss>")
    assert root.tag == "rss"


@pytest.mark.parametrize(("body", "reason"), [(BOMB, "entity-declaration"), (XXE, "entity-declaration")])
def test_entity_bombs_and_external_entities_are_bad_feeds(body: bytes, reason: str) -> None:
    with pytest.raises(BadFeed) as info:
        parse_xml_safely(body)
    assert info.value.reason == reason


def test_deep_or_truncated_xml_is_reported_not_cut() -> None:
    deep = b"<rss>" + b"<a>" * 300 + b"x" + b"</a>" * 300 + b"</rss>"
    with pytest.raises(BadFeed) as info:
        parse_xml_safely(deep)
    assert info.value.reason == "too-deep"
    with pytest.raises(BadFeed):
        parse_xml_safely(SITEMAP[: len(SITEMAP) // 2])


def test_gzip_bomb_sitemap_is_too_large() -> None:
    import zlib

    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = comp.compress(b"<urlset>") + b"".join(comp.compress(b" " * 1024 * 1024) for _ in range(64)) + comp.flush()
    with pytest.raises(BadFeed) as info:
        parse_xml_safely(body, max_size=8 * 1024 * 1024)
    assert info.value.reason == "too-large"


def test_html_depth() -> None:
    from lxml import html

    root = html.fromstring("<html><body>" + "<div>" * 40 + "x" + "</div>" * 40 + "</body></html>")
    assert html_depth(root) == 42
    assert html_depth(root, stop_at=10) == 11
