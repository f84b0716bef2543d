"""Bodies that misbehave on purpose: dripped, huge, malformed, mis-declared charset, server error.

Each returns a :class:`~infra.demo_site.model.Response`; big bodies are streamed, never held twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

from .markup import esc
from .model import Response, Story
from .site import etag_for


def dripped(body: bytes, seconds: float, modified: datetime | None, pieces: int = 10, content_type: str = "text/html; charset=UTF-8") -> Response:
    """``body`` sent in ``pieces`` chunks spread over ``seconds`` (Content-Length announced up front)."""
    size = max(1, -(-len(body) // pieces))

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), size):
            yield body[start : start + size]
            time.sleep(seconds / pieces)

    return Response(body=b"", content_type=content_type, stream=chunks, length=len(body), etag=etag_for(body), last_modified=modified)


def byte_drip(total_seconds: float, modified: datetime | None, stop_after: int | None = None) -> Response:
    """One byte per second for ``total_seconds`` (an HTML page that never seems to finish)."""
    head = b"<!DOCTYPE html><html><head><title>Loading</title></head><body><p>"
    count = int(total_seconds)

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(count if stop_after is None else min(count, stop_after)):
            time.sleep(1.0)
            yield b"."
        yield b"</p></body></html>"

    length = len(head) + count + len(b"</p></body></html>")
    return Response(body=b"", stream=chunks, length=length, etag='"drip-v1"', last_modified=modified)


def huge_page(size: int, title: str, modified: datetime | None) -> Response:
    """An HTML listing page of exactly ``size`` bytes, streamed in 64 KiB chunks."""
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        '<meta property="og:type" content="website"></head><body><h1>' + esc(title) + "</h1><table>"
    ).encode()
    tail = b"</table></body></html>"
    row = b"<tr><td>Edition</td><td>Page scans, classified advertisements and shipping notices</td></tr>\n"

    def chunks() -> Iterator[bytes]:
        yield head
        remaining = size - len(head) - len(tail)
        block = row * (65536 // len(row))
        while remaining > 0:
            piece = block[:remaining]
            remaining -= len(piece)
            yield piece
        yield tail

    return Response(body=b"", stream=chunks, length=size, etag=f'"huge-{size}"', last_modified=modified)


def server_error() -> Response:
    """An HTTP 500 with the error page a PHP/nginx stack shows."""
    body = (
        b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
        b"<h1>Internal Server Error</h1><p>The server encountered an internal error and was unable to complete your request."
        b" Database connection failed: too many connections.</p></body></html>"
    )
    return Response(status=500, body=body, conditional=False, headers={"Cache-Control": "no-store"})


def malformed_article(story: Story, url: str, site_name: str) -> str:
    """A real article with broken markup: unclosed and misnested tags, stray closers, garbage entities."""
    assert story.published
    p = story.paragraphs
    return f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(story.title)} | {esc(site_name)}</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(story.title)}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{story.published.isoformat()}">
<link rel="canonical" href="{url}">
</head>
<body bgcolor=#ffffff><center><table width=780><tr><td>
<div class="story"><font face=Arial size=2>
<h1 class="story__headline">{esc(story.title)}</h2>
<p class="story__byline">By {esc(story.authors[0])} &mdash <span>{story.published:%B %d, %Y}
<div class="story__body">
<p>{esc(p[0])}
<p>{esc(p[1])} <b>Road closures <i>begin</b> early</i>
</div></div></span></font>
<p>{esc(p[2])}</td></tr><tr><td>&nbsp&copy;&#xZZ; <<>> &bogus; </tr></table></center>
{"".join(f"<p>{esc(x)}" for x in p[3:])}
<script>document.write("<div id='ad'>")</script>
<div class=footer>Harbor City Courier &copy 2026 <a href=/about/>About<a href=/contact/>Contact
"""


def wrong_charset_article(html_text: str) -> Response:
    """An article written in cp1252 but declared (header and meta) as UTF-8."""
    body = html_text.encode("cp1252")
    return Response(body=body, content_type="text/html; charset=utf-8", etag=etag_for(body))
