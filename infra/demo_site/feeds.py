"""Feeds, sitemaps and robots.txt, rendered the way WordPress, Yoast and news CMSs render them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape as xesc

from .markup import iso, rfc822
from .model import Response, Story
from .site import etag_for

RSS_TYPE = "application/rss+xml; charset=UTF-8"
ATOM_TYPE = "application/atom+xml; charset=UTF-8"
XML_TYPE = "application/xml; charset=UTF-8"


def xml_response(text: str, content_type: str, modified: datetime | None) -> Response:
    """An XML document as a response with ETag and Last-Modified."""
    data = text.encode("utf-8")
    return Response(body=data, content_type=content_type, last_modified=modified, etag=etag_for(data))


def rss(title: str, home: str, description: str, items: Iterable[tuple[Story, str]], modified: datetime | None) -> str:
    """RSS 2.0 as WordPress writes it (``content:encoded``, ``dc:creator``, categories)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/">',
        "<channel>",
        f"<title>{xesc(title)}</title>",
        f'<atom:link href="{xesc(home)}/feed/" rel="self" type="application/rss+xml" />',
        f"<link>{xesc(home)}</link>",
        f"<description>{xesc(description)}</description>",
        f"<lastBuildDate>{rfc822(modified)}</lastBuildDate>" if modified else "",
        "<language>en</language><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>",
        "<generator>https://wordpress.org/?v=6.7.1</generator>",
    ]
    for story, url in items:
        body = "".join(f"<p>{xesc(p)}</p>" for p in story.paragraphs)
        parts += [
            "<item>",
            f"<title>{xesc(story.title)}</title>",
            f"<link>{xesc(url)}</link>",
            f"<comments>{xesc(url)}#comments</comments>",
            f"<dc:creator><![CDATA[{', '.join(story.authors)}]]></dc:creator>" if story.authors else "",
            f"<pubDate>{rfc822(story.published)}</pubDate>" if story.published else "",
            *[f"<category><![CDATA[{c}]]></category>" for c in [*story.categories, *story.tags]],
            f'<guid isPermaLink="true">{xesc(url)}</guid>',
            f"<description><![CDATA[{story.description}]]></description>",
            f"<content:encoded><![CDATA[{body}]]></content:encoded>",
            f"<wfw:commentRss>{xesc(url)}feed/</wfw:commentRss>",
            f"<slash:comments>{len(story.comments)}</slash:comments>",
            "</item>",
        ]
    parts += ["</channel>", "</rss>"]
    return "\n".join(p for p in parts if p)


def atom(title: str, home: str, self_url: str, items: Iterable[tuple[Story, str]], modified: datetime | None) -> str:
    """An Atom 1.0 feed (summary plus full content)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        f"<title>{xesc(title)}</title>",
        f'<link rel="alternate" type="text/html" href="{xesc(home)}/"/>',
        f'<link rel="self" type="application/atom+xml" href="{xesc(self_url)}"/>',
        f"<id>{xesc(home)}/</id>",
        f"<updated>{iso(modified)}</updated>" if modified else "",
    ]
    for story, url in items:
        stamp = story.modified or story.published
        body = "".join(f"<p>{p}</p>" for p in story.paragraphs)
        parts += [
            "<entry>",
            f"<title>{xesc(story.title)}</title>",
            f'<link rel="alternate" type="text/html" href="{xesc(url)}"/>',
            f"<id>{xesc(url)}</id>",
            f"<published>{iso(story.published)}</published>" if story.published else "",
            f"<updated>{iso(stamp)}</updated>" if stamp else "",
            *[f"<author><name>{xesc(a)}</name></author>" for a in story.authors],
            *[f'<category term="{xesc(c)}"/>' for c in story.categories],
            f"<summary>{xesc(story.description)}</summary>",
            f'<content type="html">{xesc(body)}</content>',
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(p for p in parts if p)


def urlset(entries: Iterable[tuple[str, datetime | None]]) -> str:
    """A plain ``<urlset>`` sitemap."""
    return _sitemap_xml("urlset", "url", entries)


def sitemap_index(entries: Iterable[tuple[str, datetime | None]]) -> str:
    """A ``<sitemapindex>`` (Yoast style)."""
    return _sitemap_xml("sitemapindex", "sitemap", entries)


def _sitemap_xml(root: str, element: str, entries: Iterable[tuple[str, datetime | None]]) -> str:
    """A sitemaps.org document: one ``element`` (loc, optional lastmod) per entry inside ``root``."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, stamp in entries:
        last = f"<lastmod>{iso(stamp)}</lastmod>" if stamp else ""
        parts.append(f"<{element}><loc>{xesc(url)}</loc>{last}</{element}>")
    parts.append(f"</{root}>")
    return "\n".join(parts)


def news_sitemap(publication: str, entries: Iterable[tuple[Story, str]]) -> str:
    """A Google News sitemap (``news:publication``, ``news:publication_date``, ``news:title``)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
    ]
    for story, url in entries:
        date = f"<news:publication_date>{iso(story.published)}</news:publication_date>" if story.published else ""
        keywords = f"<news:keywords>{xesc(', '.join(story.tags))}</news:keywords>" if story.tags else ""
        parts.append(
            f"<url><loc>{xesc(url)}</loc><news:news><news:publication><news:name>{xesc(publication)}</news:name>"
            f"<news:language>en</news:language></news:publication>{date}"
            f"<news:title>{xesc(story.title)}</news:title>{keywords}</news:news></url>"
        )
    parts.append("</urlset>")
    return "\n".join(parts)


def robots(disallow: list[str], sitemaps: list[str], crawl_delay: float | None = None, allow: list[str] | None = None) -> str:
    """robots.txt for every user agent."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in disallow]
    lines += [f"Allow: {path}" for path in allow or []]
    if crawl_delay is not None:
        lines.append(f"Crawl-delay: {crawl_delay:g}")
    lines.append("")
    lines += [f"Sitemap: {url}" for url in sitemaps]
    return "\n".join(lines) + "\n"


def text_response(text: str, modified: datetime | None) -> Response:
    """A text/plain response (robots.txt)."""
    data = text.encode("utf-8")
    return Response(body=data, content_type="text/plain; charset=utf-8", last_modified=modified, etag=etag_for(data))
