"""The feed and URL edge cases users reported: a bare ``&`` in a feed, Atom ``xml:base``, posts
identified by a valueless query. Each asserts the URLs (and article ids) a user gets."""

from __future__ import annotations

import pytest

from pipelines.dates import parse_datetime
from pipelines.models import article_id
from pipelines.urls import canonicalize_url
from spiders.discovery import DiscoveryError, parse_feed, read_feed, repair_references

BARE_AMPERSAND_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Q&A weekly</title><link>https://news.example/</link>
<item><title>Rates & rents</title><link>https://news.example/read?id=4411&amp;section=features</link></item>
<item><title>Bus&nbsp;lanes</title><link>https://news.example/read?id=4412&amp;section=city</link></item>
<item><title>Parks</title><link>https://news.example/read?id=4413&section=city</link></item>
</channel></rss>"""


def test_bare_ampersand_feed_keeps_every_url_and_says_it_was_repaired() -> None:
    listing = read_feed(BARE_AMPERSAND_RSS, "https://news.example/feed/")
    assert [f.url for f in listing.found] == [
        "https://news.example/read?id=4411&section=features",
        "https://news.example/read?id=4412&section=city",
        "https://news.example/read?id=4413&section=city",
    ]
    assert listing.repaired


def test_well_formed_feed_is_not_counted_as_repaired() -> None:
    body = BARE_AMPERSAND_RSS.replace(b"Q&A", b"Q&amp;A").replace(b"Rates & rents", b"Rates &amp; rents")
    body = body.replace(b"&nbsp;", b"&#160;").replace(b"4413&section", b"4413&amp;section")
    listing = read_feed(body, "https://news.example/feed/")
    assert not listing.repaired and len(listing.found) == 3


def test_repair_expands_no_entity_and_keeps_a_bomb_refused() -> None:
    assert repair_references(b"a & b &amp; &lol9; &#38; &nbsp;") == b"a &amp; b &amp; &amp;lol9; &#38; &#160;"
    bomb = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b; & more</title><item><link>https://x.example/1</link></item></channel></rss>"""
    with pytest.raises(DiscoveryError, match="entity-declaration"):
        parse_feed(bomb, "https://x.example/feed")


ATOM_XML_BASE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/blog/">
  <title>t</title>
  <entry><title>a</title><link rel="alternate" href="2026/11/first-post/"/><updated>2026-11-29T08:00:00Z</updated></entry>
  <entry xml:base="https://cdn.news.example/archive/"><title>b</title><link href="second-post/"/></entry>
  <entry xml:base="/regional/"><title>c</title><link href="third-post/"/></entry>
</feed>"""


def test_atom_xml_base_on_feed_and_entry_is_honoured() -> None:
    urls = [f.url for f in parse_feed(ATOM_XML_BASE, "https://news.example/feeds/atom.xml")]
    assert urls == [
        "https://news.example/blog/2026/11/first-post/",
        "https://cdn.news.example/archive/second-post/",
        "https://news.example/regional/third-post/",
    ]


def test_valueless_query_posts_keep_their_own_ids() -> None:
    first, second = "https://forum.example/read.php?1423", "https://forum.example/read.php?1424"
    assert canonicalize_url(first) == first and canonicalize_url(second) == second
    assert article_id(canonicalize_url(first)) != article_id(canonicalize_url(second))


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://b.example/?p=12&utm_source=rss", "https://b.example/?p=12"),
        ("https://b.example/x?story=9&fbclid=abc&id=4", "https://b.example/x?id=4&story=9"),
        ("https://b.example/read?id=4411&section=features", "https://b.example/read?id=4411&section=features"),
        ("https://b.example/post/?replytocom=7&share=twitter", "https://b.example/post/"),
        ("https://b.example/read.php?1423&PHPSESSID=x&sid=y", "https://b.example/read.php?1423"),
    ],
)
def test_identifying_query_parts_stay_and_tracking_ones_go(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical


def test_one_date_parser_reads_feed_sitemap_and_page_dates() -> None:
    assert parse_datetime("Tue, 03 Nov 2026 08:00:00 GMT").isoformat() == "2026-11-03T08:00:00+00:00"
    assert parse_datetime("2026-11-03 08:00").isoformat() == "2026-11-03T08:00:00+00:00"
    assert parse_datetime("2026-11-03T08:00:00+0100").utcoffset().total_seconds() == 3600
    assert parse_datetime("0001-01-01") is None and parse_datetime("soon") is None
