"""Discovery: what a fetched document is, and which URLs feeds and sitemaps list."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest

from pipelines.config import Source
from spiders.discovery import (
    DiscoveryError,
    UrlRules,
    maybe_gunzip,
    parse_feed,
    parse_sitemap,
    skip_by_extension,
    sniff,
)

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://news.example/2024/05/a/</loc><lastmod>2024-05-01T10:00:00+02:00</lastmod></url>
  <url><loc> https://news.example/2024/05/b/ </loc></url>
  <url><loc>ftp://news.example/c</loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/post-sitemap.xml</loc></sitemap>
<sitemap><loc>https://news.example/news-sitemap.xml.gz</loc><lastmod>2024-05-02</lastmod></sitemap>
</sitemapindex>"""

GOOGLE_NEWS = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/wire/1</loc><news:news><news:publication><news:name>X</news:name>
<news:language>en</news:language></news:publication><news:publication_date>2024-05-03T08:00:00Z</news:publication_date>
<news:title>T</news:title></news:news></url></urlset>"""

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>https://news.example/a/</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate></item>
<item><title>b</title><guid isPermaLink="true">https://news.example/b/</guid></item>
<item><title>c</title><guid isPermaLink="false">tag:news.example,2024:c</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>a</title><link rel="alternate" type="text/html" href="/2024/a"/><link rel="replies" href="/2024/a#comments"/>
<updated>2024-05-01T10:00:00Z</updated></entry>
<entry><title>b</title><link href="https://news.example/2024/b"/></entry></feed>"""

RDF = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="x"><title>t</title></channel><item rdf:about="https://news.example/r"><title>r</title><link>https://news.example/r</link></item></rdf:RDF>"""


def test_sniff_goes_by_content_not_by_how_the_document_was_reached() -> None:
    # a sitemap served as text/html (met as a page link) is still a sitemap
    assert sniff(URLSET, "text/html; charset=utf-8", "https://news.example/some-page/") == "sitemap"
    assert sniff(INDEX, "application/octet-stream") == "sitemap"
    assert sniff(RSS, "text/html") == "feed"
    assert sniff(ATOM, "application/atom+xml") == "feed"
    assert sniff(RDF, "text/xml") == "feed"
    assert sniff(b"<!DOCTYPE html><html><body>hi</body></html>", "application/xml") == "html"
    assert sniff(b"<html><body>x</body></html>", "") == "html"
    assert sniff(b'{"a": 1}', "application/json") == "other"
    assert sniff(b"\x89PNG\r\n", "image/png") == "other"


def test_sitemap_urlset_index_and_google_news() -> None:
    found = parse_sitemap(URLSET)
    assert [f.url for f in found] == ["https://news.example/2024/05/a/", "https://news.example/2024/05/b/"]
    assert found[0].kind == "page"
    assert found[0].updated == datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
    index = parse_sitemap(INDEX)
    assert [(f.url, f.kind) for f in index] == [
        ("https://news.example/post-sitemap.xml", "sitemap"),
        ("https://news.example/news-sitemap.xml.gz", "sitemap"),
    ]
    news = parse_sitemap(GOOGLE_NEWS)
    assert [f.url for f in news] == ["https://news.example/wire/1"]
    assert news[0].updated == datetime(2024, 5, 3, 8, 0, tzinfo=timezone.utc)


def test_gzipped_sitemap_is_expanded_within_a_bound() -> None:
    packed = gzip.compress(URLSET)
    assert sniff(maybe_gunzip(packed, 1 << 20)) == "sitemap"
    assert maybe_gunzip(URLSET, 10) == URLSET  # not gzip: untouched
    bomb = gzip.compress(b"<urlset>" + b" " * (5 << 20) + b"</urlset>")
    with pytest.raises(DiscoveryError, match="expands beyond"):
        maybe_gunzip(bomb, 1 << 20)
    with pytest.raises(DiscoveryError):
        maybe_gunzip(b"\x1f\x8bnot really gzip", 1 << 20)


def test_feeds_rss_atom_rdf() -> None:
    rss = parse_feed(RSS)
    assert [f.url for f in rss] == ["https://news.example/a/", "https://news.example/b/"]
    assert rss[0].updated == datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
    atom = parse_feed(ATOM, "https://news.example/feed/atom/")
    assert [f.url for f in atom] == ["https://news.example/2024/a", "https://news.example/2024/b"]
    assert [f.url for f in parse_feed(RDF)] == ["https://news.example/r"]
    with pytest.raises(DiscoveryError):
        parse_feed(URLSET)
    with pytest.raises(DiscoveryError):
        parse_sitemap(RSS)


def test_xml_parsing_does_not_expand_entities() -> None:
    evil = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://news.example/&x;</loc></url></urlset>"""
    try:
        found_all = parse_sitemap(evil)
    except DiscoveryError:
        return  # refused outright: a document declaring entities is a bad feed (spiders.decoding)
    for found in found_all:
        assert "root:" not in found.url


def test_url_rules_domains_allow_deny() -> None:
    source = Source(
        id="s",
        start_urls=["https://news.example/"],
        allow=[r"/20\d\d/"],
        deny=[r"/private/", r"\?s="],
    )
    rules = UrlRules(source)
    assert rules.allowed("https://news.example/2024/05/a/")
    assert rules.allowed("https://www.news.example/2024/05/a/")  # subdomain
    assert not rules.allowed("https://evil.example/2024/05/a/")
    assert not rules.allowed("https://news.example.evil.example/2024/")
    assert not rules.allowed("https://news.example/about/")  # allow narrows link following
    assert rules.allowed("https://news.example/about/", listed=True)  # ...but not feed/sitemap entries
    assert not rules.allowed("https://news.example/2024/private/x", listed=True)  # deny always wins
    assert not rules.allowed("mailto:x@news.example")


def test_skip_by_extension() -> None:
    assert skip_by_extension("https://news.example/wp-content/uploads/photo.JPG")
    assert skip_by_extension("https://news.example/report.pdf")
    assert not skip_by_extension("https://news.example/sitemap.xml.gz")
    assert not skip_by_extension("https://news.example/2024/05/story/")
    assert not skip_by_extension("https://news.example/story.html")
