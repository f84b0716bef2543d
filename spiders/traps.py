"""Crawler traps: stop link chains that never end, and WordPress crawl junk, with a reason.

:class:`TrapFilterMiddleware` is a spider middleware: it looks at every request a callback
yields, next to the response it came from, and drops (counting ``trap/<reason>``):

* ``wp-login``, ``wp-admin``, ``wp-comments-post``, ``xmlrpc``: WordPress endpoints that are never
  articles (a blanket ban: no budget needed).
* ``wp-replytocom``, ``wp-share``, ``wp-comment-page``, ``wp-feed-variant``, ``wp-amp``, ``wp-embed``:
  another view of a post (``?replytocom=N``, ``?share=…``, ``/comment-page-N/``, ``/feed/``,
  ``/amp/``). When the post itself (its canonical URL) may still be new, the request is rewritten
  to the post instead of dropped, so the variant is never fetched as a page of its own.
* ``calendar``, ``pagination``, ``counter``: a chain of pages that each link to the next one of
  the same shape (same URL with only numbers changed: ``/calendar/2031/07/`` → ``/2031/08/``,
  ``?page=7`` → ``?page=8``). Each chain may run ``NEWSARCHIVE_TRAP_CHAIN_BUDGET`` steps (a
  per-pattern budget, not a ban: the first pages of an archive are still crawled).
* ``growing-path``: a link to a deeper copy of the current path (``/a/1/`` → ``/a/1/2/``, relative
  links piling up ``/x/x/x/``): a path with a segment block repeated, more than
  ``NEWSARCHIVE_TRAP_MAX_SEGMENTS`` segments, or a growing chain past the budget.
* ``url-too-long``: longer than ``NEWSARCHIVE_TRAP_MAX_URL_LENGTH``.
* ``self-reference``: a sitemap/feed whose entries list its own URL, or a document linking to one
  of the documents it was reached through.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from pipelines.urls import canonicalize_url
from spiders.outcomes import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

CHAIN_META = "newsarchive_trap_chain"  # (pattern, steps) of the chain a request continues
ANCESTORS_META = "newsarchive_ancestors"  # canonical URLs of the documents that led here
_MAX_ANCESTORS = 12

_WP_ENDPOINTS = (
    (re.compile(r"/wp-login\.php$", re.I), "wp-login"),
    (re.compile(r"/wp-comments-post\.php$", re.I), "wp-comments-post"),
    (re.compile(r"/wp-admin(?:/|$)", re.I), "wp-admin"),
    (re.compile(r"/xmlrpc\.php$", re.I), "xmlrpc"),
    (re.compile(r"/wp-json(?:/|$)", re.I), "wp-json"),
)
_WP_PARAMS = {"replytocom": "wp-replytocom", "share": "wp-share", "like_comment": "wp-share", "amp": "wp-amp"}
_WP_SUFFIXES = (
    (re.compile(r"(?<=[^/])/comment-page-\d+/?$", re.I), "wp-comment-page"),
    (re.compile(r"(?<=[^/])/feed(?:/(?:rss2?|atom|rdf))?/?$", re.I), "wp-feed-variant"),
    (re.compile(r"(?<=[^/])/amp/?$", re.I), "wp-amp"),
    (re.compile(r"^/amp/.+", re.I), "wp-amp"),
    (re.compile(r"(?<=[^/])/(?:embed|trackback)/?$", re.I), "wp-embed"),
)
_DIGITS = re.compile(r"\d+")
_YEAR_MONTH = re.compile(r"(?:^|[/=_-])(?:19|20|21)\d\d(?:[/_-]|%2F)?(?:0?[1-9]|1[0-2])(?:$|[/&_-])")
_CALENDAR_WORDS = re.compile(r"calendar|kalender|agenda|events?|month|year|date|day|cal\b|ical", re.I)
_PAGE_WORDS = re.compile(r"page|paged|pg|p\b|offset|start|skip|seite|pagina", re.I)


def wordpress_junk(url: str) -> str | None:
    """The reason ``url`` is a WordPress endpoint or another view of a post, or ``None``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    for pattern, reason in _WP_ENDPOINTS:
        if pattern.search(path):
            return reason
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        reason = _WP_PARAMS.get(name.lower())
        if reason:
            return reason
    for pattern, reason in _WP_SUFFIXES:
        if pattern.search(path):
            return reason
    return None


def is_post_view(reason: str) -> bool:
    """True for the junk reasons that name another view of a post (rewritable to the post)."""
    return reason in {"wp-replytocom", "wp-share", "wp-comment-page", "wp-feed-variant", "wp-amp", "wp-embed"}


def url_shape(url: str) -> str:
    """The URL with every run of digits replaced by ``#`` (host, path and query; no fragment)."""
    parts = urlsplit(url)
    query = "&".join(sorted(f"{k}={_DIGITS.sub('#', v)}" for k, v in parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.hostname}{_DIGITS.sub('#', parts.path or '/')}?{query}"


def _segments(url: str) -> list[str]:
    return [s for s in (urlsplit(url).path or "/").split("/") if s]


def repeated_block(segments: list[str], times: int = 3) -> bool:
    """True when some block of consecutive segments repeats ``times`` times in a row (``/a/b/a/b/a/b``)."""
    n = len(segments)
    for size in range(1, n // times + 1):
        for start in range(0, n - size * times + 1):
            block = segments[start : start + size]
            if all(segments[start + k * size : start + (k + 1) * size] == block for k in range(1, times)):
                return True
    return False


def chain_kind(url: str) -> str:
    """Name a chain of same-shape pages: ``calendar``, ``pagination`` or ``counter``."""
    parts = urlsplit(url)
    text = f"{parts.path}?{parts.query}"
    if _YEAR_MONTH.search(text) or _CALENDAR_WORDS.search(text):
        return "calendar"
    if _PAGE_WORDS.search(text):
        return "pagination"
    return "counter"


def _growing(parent: str, child: str) -> bool:
    """``child`` is ``parent``'s path plus more segments (``/a/1/`` → ``/a/1/2/``) on the same host."""
    p, c = urlsplit(parent), urlsplit(child)
    if p.netloc != c.netloc:
        return False
    ps, cs = _segments(parent), _segments(child)
    return len(cs) > len(ps) >= 1 and cs[: len(ps)] == ps and bool(_DIGITS.search("/".join(cs[len(ps) :]) or "")) and bool(
        _DIGITS.search(ps[-1])
    )


class TrapFilterMiddleware(BaseSpiderMiddleware):
    """Drops trap and junk requests a callback yields (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.stats = crawler.stats
        self.chain_budget = settings.getint("NEWSARCHIVE_TRAP_CHAIN_BUDGET")
        self.max_segments = settings.getint("NEWSARCHIVE_TRAP_MAX_SEGMENTS")
        self.max_url_length = settings.getint("NEWSARCHIVE_TRAP_MAX_URL_LENGTH")
        self._logged: set[tuple[str, str]] = set()

    def _drop(self, request: Request, reason: str, pattern: str | None = None) -> None:
        count(self.stats, "trap", reason, url=request.url)
        key = (reason, pattern or request.url)
        if key not in self._logged:
            self._logged.add(key)
            logger.info("Trap (%s): not following %s%s", reason, request.url, f" (pattern {pattern})" if pattern else "")

    def process_spider_input(self, response: Response, spider: Any = None) -> None:
        """A sitemap or feed that lists its own URL is a loop: counted once (the spider's seen-URL
        check already keeps it from being fetched again)."""
        head = response.body[:512].lstrip()
        if not head.startswith((b"<?xml", b"<urlset", b"<sitemapindex", b"<rss", b"<feed", b"<rdf")):
            return
        own = {response.url, canonicalize_url(response.url)}
        own |= {u.replace("&", "&amp;") for u in own}
        for url in own:
            pattern = rb"<(loc|link)(?:\s[^>]*)?>\s*" + re.escape(url.encode("utf-8", "ignore")) + rb"\s*</\1>"
            if re.search(pattern, response.body):
                self._drop(Request(response.url), "self-reference")
                return

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:
            return request  # start requests are the source's own configuration
        url = request.url
        if len(url) > self.max_url_length:
            self._drop(request, "url-too-long")
            return None
        junk = wordpress_junk(url)
        if junk:
            if is_post_view(junk):
                post = canonicalize_url(url)
                if post != url and wordpress_junk(post) is None:
                    count(self.stats, "trap", junk, url=url)
                    return request.replace(url=post)
            self._drop(request, junk)
            return None
        canonical = canonicalize_url(url)
        here = canonicalize_url(response.url)
        ancestors = list(response.meta.get(ANCESTORS_META, ())) + [here]
        if canonical in ancestors and not request.dont_filter:
            self._drop(request, "self-reference")
            return None
        segments = _segments(url)
        if len(segments) > self.max_segments or repeated_block(segments):
            self._drop(request, "growing-path")
            return None
        reason = self._chain(request, response)
        if reason:
            return None
        request.meta[ANCESTORS_META] = ancestors[-_MAX_ANCESTORS:]
        return request

    def _chain(self, request: Request, response: Response) -> str | None:
        """Track same-shape link chains; drop the step past the budget. Returns the drop reason."""
        shape = url_shape(request.url)
        parent_shape = url_shape(response.url)
        parent_chain = response.meta.get(CHAIN_META)
        if shape == parent_shape and urlsplit(request.url).path != "/" and request.url != response.url:
            kind = chain_kind(request.url)
        elif _growing(response.url, request.url):
            kind = "growing-path"
        else:
            return None
        steps = parent_chain[1] + 1 if parent_chain and parent_chain[0] in (parent_shape, shape) else 1
        if steps > self.chain_budget:
            self._drop(request, kind, shape)
            return kind
        request.meta[CHAIN_META] = (shape, steps)
        return None
