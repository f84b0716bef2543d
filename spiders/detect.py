"""Is a fetched HTML page an article? URL rules from the source plus signals in the page.

Signals: ``og:type`` (``article`` vs ``website``/``profile``…), JSON-LD ``@type`` (NewsArticle,
BlogPosting, Article and their kin, also inside ``@graph``; CollectionPage/ProfilePage… say
"listing"), and the ``<article>`` element (one with enough words; many of them = a listing).

Decision (see docs/crawling.md):
* with ``article_patterns`` configured, the URL must match one; the page can still veto it
  (listing signals: a listing ``@type``, a non-article ``og:type`` without article JSON-LD,
  several ``<article>`` elements);
* without patterns, the page must say it: article JSON-LD, or ``og:type=article`` / a single
  ``<article>`` with at least ``min_words`` words of text and a publication date (SEO plugins
  put ``og:type=article`` on About pages too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.etree import XPath
from parsel import Selector

from pipelines.schemaorg import ARTICLE_TYPES_LOWER as ARTICLE_TYPES
from pipelines.schemaorg import LISTING_TYPES_LOWER as LISTING_TYPES
from pipelines.text import count_words

NON_ARTICLE_OG = frozenset({"website", "profile", "object", "book", "video.other", "music.song"})
_WORD = re.compile(r"\w+", re.UNICODE)
# Fallbacks on the raw markup for pages so broken that the parser swallows <head> (an unclosed
# <title> turns the meta tags after it into title text).
_RAW_OG_TYPE = re.compile(
    r"""<meta\b[^>]*?(?:property|name)\s*=\s*["']?og:type["']?[^>]*?content\s*=\s*["']?([\w.:-]+)""", re.I
)
_RAW_SKIP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.I | re.S)
_RAW_PUBLISHED = re.compile(r"""(?:property|name|itemprop)\s*=\s*["']?(?:article:published_time|datePublished)\b""", re.I)


@dataclass(frozen=True)
class PageSignals:
    """What a page says about itself."""

    og_type: str | None = None
    jsonld_types: frozenset[str] = field(default_factory=frozenset)
    article_elements: int = 0
    article_words: int = 0  # words in the largest <article>, else in all <p> of the body
    dated: bool = False  # a publication date: article:published_time, datePublished, <time> in the story

    @property
    def jsonld_article(self) -> bool:
        return bool(self.jsonld_types & ARTICLE_TYPES)

    @property
    def listing(self) -> bool:
        """Signals that the page lists or describes other things rather than being a story."""
        if self.jsonld_article:
            return self.article_elements >= 3
        if self.jsonld_types & LISTING_TYPES:
            return True
        if self.og_type and self.og_type in NON_ARTICLE_OG:
            return True
        return self.article_elements >= 3


@dataclass(frozen=True)
class Detection:
    """The verdict and the reason, e.g. ``(True, "json-ld")`` or ``(False, "url-rule")``."""

    is_article: bool
    reason: str


def _types(node: Any) -> Iterator[str]:
    """Every ``@type`` in a JSON-LD value (nested objects, lists and ``@graph`` included)."""
    if isinstance(node, list):
        for item in node:
            yield from _types(item)
    elif isinstance(node, dict):
        kind = node.get("@type")
        for value in kind if isinstance(kind, list) else [kind]:
            if isinstance(value, str):
                yield value.rsplit("/", 1)[-1].lower()
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                yield from _types(node[key])


def jsonld_types(scripts: Iterable[str]) -> frozenset[str]:
    """Lower-cased ``@type`` values of JSON-LD script bodies; unparsable scripts are ignored."""
    found: set[str] = set()
    for raw in scripts:
        raw = raw.strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            # some CMSs emit trailing commas or several objects; a lenient second try
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw))
            except ValueError:
                continue
        found.update(_types(data))
    return frozenset(found)


# Compiled once, evaluated on the lxml tree itself (no parsel wrapper per result): detection runs
# on the reactor thread for every fetched page.
_X = {
    name: XPath(expr, smart_strings=False)
    for name, expr in {
        "og": "//meta[translate(@property,'OGTYPE','ogtype')='og:type' or translate(@name,'OGTYPE','ogtype')='og:type']/@content",
        "scripts": "//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]/text()",
        # story-level <article> elements: not nested, not a reader comment (WordPress wraps each
        # comment in <article class="comment-body">)
        "articles": "//article[not(ancestor::article)][not(contains(@class,'comment'))]"
        "[not(starts-with(@id,'comment') or starts-with(@id,'div-comment'))]",
        "story_text": ".//p//text() | .//li//text() | ./text()",
        "all_text": ".//text()[not(ancestor::script) and not(ancestor::style)]",
        "body_p_text": "//body//p//text()",
        "title": "string(//title)",
        "dated": "boolean(//meta[@property='article:published_time' or @name='article:published_time'"
        " or @itemprop='datePublished' or @name='date' or @name='pubdate']/@content[. != '']"
        " or //*[@itemprop='datePublished']"
        " or //article//time[@datetime][not(ancestor::*[contains(@class,'comment')])])",
    }.items()
}


def page_signals(html: str | Selector, raw: str | None = None) -> PageSignals:
    """Read the signals of an HTML page (a string or an already built parsel ``Selector``;
    ``raw``, the markup as text, enables the fallbacks for badly broken pages)."""
    return _Page(html, raw).signals()


class _Page:
    """A page's signals, read in two steps: what every verdict needs (og:type, JSON-LD types,
    ``<article>`` elements), then, only when the verdict rests on them, words and date."""

    def __init__(self, html: str | Selector, raw: str | None) -> None:
        sel = html if isinstance(html, Selector) else Selector(text=html or "<html></html>")
        if raw is None and isinstance(html, str):
            raw = html
        root = sel.root
        if not hasattr(root, "iter"):  # a Selector over a non-element (text) root
            root = Selector(text="<html></html>").root
        self.root, self.raw = root, raw
        og_values = _X["og"](root)
        og = og_values[0] if og_values else None
        if og is None and raw and (match := _RAW_OG_TYPE.search(raw[:200_000])):
            og = match.group(1)
        self.og = og.strip().lower() if og else None
        self.scripts = _X["scripts"](root)
        self.articles = _X["articles"](root)

    def head(self) -> PageSignals:
        """The signals without ``article_words`` and ``dated`` (left 0 and False)."""
        return PageSignals(og_type=self.og, jsonld_types=jsonld_types(self.scripts), article_elements=len(self.articles))

    def signals(self, head: PageSignals | None = None) -> PageSignals:
        """All the signals (``head``: the first step's, when already read)."""
        root, raw, articles = self.root, self.raw, self.articles
        swallowed = len(_X["title"](root)) > 500
        if articles:
            words = max(_count_words(_X["story_text"](a)) for a in articles)
            if words == 0 or swallowed:
                words = max(_count_words(_X["all_text"](a)) for a in articles)
        else:
            words = _count_words(_X["body_p_text"](root))
        dated = _X["dated"](root) or any('"datePublished"' in s for s in self.scripts)
        if raw:
            dated = dated or bool(_RAW_PUBLISHED.search(raw[:200_000]))
            if words == 0 or swallowed:
                body = raw[:500_000]
                start = re.search(r"<body\b", body, re.I)
                body = _RAW_SKIP.sub(" ", body[start.start() if start else 0 :])
                words = len(_WORD.findall(body))
        head = head or self.head()
        return PageSignals(
            og_type=head.og_type,
            jsonld_types=head.jsonld_types,
            article_elements=head.article_elements,
            article_words=words,
            dated=bool(dated),
        )


def _count_words(texts: Iterable[str]) -> int:
    return sum(count_words(t) for t in texts)


def url_matches(url: str, patterns: Iterable[re.Pattern[str] | str]) -> bool:
    """True when one of the ``article_patterns`` matches anywhere in the URL."""
    return any((p.search(url) if isinstance(p, re.Pattern) else re.search(p, url)) for p in patterns)


def detect(
    url: str,
    html: str | Selector,
    patterns: Iterable[re.Pattern[str] | str] = (),
    *,
    min_words: int = 80,
    raw: str | None = None,
) -> Detection:
    """Decide whether the page at ``url`` is an article (see the module docstring); ``raw`` is
    the markup as text when ``html`` is an already built ``Selector``."""
    patterns = list(patterns)
    page = _Page(html, raw)
    signals = page.head()  # words and date are read below, only if the verdict needs them
    if patterns:
        if not url_matches(url, patterns):
            return Detection(False, "url-rule")
        if signals.listing:
            return Detection(False, "listing-signals")
        return Detection(True, "url-rule")
    if signals.listing:
        return Detection(False, "listing-signals")
    if signals.jsonld_article:
        return Detection(True, "json-ld")
    if signals.og_type == "article" or signals.article_elements == 1:
        # SEO plugins stamp og:type=article on static pages (About, Contact) too: a story
        # also has a publication date and enough words
        signals = page.signals(signals)
        if signals.article_words < min_words:
            return Detection(False, "too-short")
        if not signals.dated:
            return Detection(False, "undated")
        return Detection(True, "og-type" if signals.og_type == "article" else "article-element")
    return Detection(False, "no-article-signals")
