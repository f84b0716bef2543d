"""The crawl frontier of one source: what is fetched first, and what a run leaves behind.

Scrapy's scheduler already serves requests by priority; this module decides the priority and the
caps (see docs/crawling.md, "Frontier and budgets"):

* **Priority** (highest first): feeds and the source's entry documents; entries of a feed or a
  Google News sitemap; sitemaps; article-shaped URLs (``article_patterns``, a dated path with a
  slug, a long slug, or the shape of pages this run's page signals detected as articles:
  :meth:`Frontier.learn_article`), newest first by a date that can be trusted; start pages;
  everything else (listings, archives, tags) last.
* **Trusted dates.** A sitemap ``lastmod`` in the future, or one shared by most entries of its
  sitemap (a generator stamping "now" on every entry), says nothing: such a sitemap's entries fall
  back to the date in their path, if any.
* **Caps** (per run, whichever route reached a URL): a sitemap adds at most
  ``NEWSARCHIVE_SITEMAP_MAX_ENTRIES`` entries (the protocol's 50,000 are read); URLs of one
  *pattern* (same path and query with every number replaced: ``/archive/N/N/N/``, ``?page=N``) are
  capped at ``NEWSARCHIVE_PATTERN_CAP``, unless a feed or news sitemap lists them or they are
  article-shaped.
* **Left behind**: every URL discovered but not requested is counted ``left-behind/<reason>``
  (``pattern-cap``, ``sitemap-cap``, ``sitemap-protocol-limit``, ``run-budget``, ``run-time``), with a
  few example URLs, so the run summary shows when a source needs a larger budget.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy.core.downloader import Downloader

from spiders.discovery import Found
from spiders.outcomes import count

#: Request priorities (Scrapy: higher first).
PRIORITY_FEED_DOCUMENT = 500
PRIORITY_LISTED_ENTRY = 400  # a feed or news-sitemap entry: today's news
PRIORITY_SITEMAP = 300
PRIORITY_ARTICLE = 100  # + up to 99 for recency
PRIORITY_START = 50
PRIORITY_OTHER = 0
RECENCY_DAYS = 99

LEFT_BEHIND = "left-behind"
EXAMPLES_STAT = "newsarchive/left_behind_examples"
EXAMPLES_PER_REASON = 5

_DATED_PATH = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])(?:[/-](0[1-9]|[12]\d|3[01]))?(?=/|$|-)")
_DIGITS = re.compile(r"\d+")
_SLUG_WORD = re.compile(r"[a-z]{2,}", re.I)
_LISTING_SEGMENTS = frozenset(
    "archive archives tag tags category categories author authors page search feed feeds calendar date topics "
    "section sections index sitemap".split()
)


_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)")


def _path(url: str) -> str:
    """The path of an absolute URL (a regex: ``urlsplit`` is the slow part of ranking 50,000 entries)."""
    match = _PATH.match(url)
    return match.group(1) if match else urlsplit(url).path


def url_pattern(url: str) -> str:
    """The URL with every run of digits replaced by ``N`` (host, path and query kept):
    ``/archive/2026/11/30/`` and ``/archive/2025/01/02/`` share ``/archive/N/N/N/``."""
    parts = urlsplit(url)
    return _DIGITS.sub("N", f"{parts.hostname}{parts.path}?{parts.query}")


def _slug(segment: str) -> bool:
    """A segment that names a story: several words (``city-council-votes-on-budget``)."""
    stem = segment.rsplit(".", 1)[0]
    return len(_SLUG_WORD.findall(stem)) >= 3


def path_date(url: str) -> datetime | None:
    """The date a URL's path carries (``/2026/11/30/…``, ``/2026-11-30-…``, ``/2026/11/…``), or ``None``."""
    match = _DATED_PATH.search(_path(url))
    if not match:
        return None
    try:
        return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1), tzinfo=UTC)
    except ValueError:
        return None


def article_shaped(url: str, patterns: Sequence[re.Pattern[str]] = ()) -> bool:
    """Whether a URL looks like one story rather than a listing: it matches the source's
    ``article_patterns`` (when given, only those decide), or its last path segment is a slug
    (three words or more) and no segment names a listing (``tag``, ``archive``, ``page`` …)."""
    if patterns:
        return any(p.search(url) for p in patterns)
    segments = [s for s in _path(url).lower().split("/") if s]
    if not segments or any(s in _LISTING_SEGMENTS for s in segments[:-1]):
        return False
    return _slug(segments[-1])


def article_shape(url: str) -> str:
    """What the URLs of one site's stories have in common: the host, then each path segment as
    ``N`` (a number), ``S`` (a slug: three words or more) or itself with its digits as ``N``, and
    the query's keys (values that are numbers as ``N``). ``/news/2026/11/30/council-votes-on-budget/``
    and ``/news/2025/01/02/ferry-timetable-changes-again/`` share ``host/news/N/N/N/S/``;
    ``/story-4411.html`` and ``/story-4412.html`` share ``host/story-N.html``."""
    parts = urlsplit(url)
    shaped = []
    for segment in parts.path.split("/"):
        if segment.isdigit():
            shaped.append("N")
        elif _slug(segment):
            shaped.append("S")
        else:
            shaped.append(_DIGITS.sub("N", segment.lower()))
    query = "&".join(
        sorted(_DIGITS.sub("N", k) + ("=N" if v.isdigit() else f"={v}" if v else "") for k, _, v in (p.partition("=") for p in parts.query.split("&") if p))
    )
    return f"{parts.hostname}{'/'.join(shaped)}" + (f"?{query}" if query else "")


def trusted_dates(entries: Sequence[Found], now: datetime | None = None) -> list[datetime | None]:
    """Per entry, the date to rank it by: its ``updated`` when trustworthy, else the date in its path.

    Not trusted: a date more than a day in the future, and every date of a listing (of 10 entries
    or more) where one value is shared by more than half of the entries.
    """
    now = now or datetime.now(UTC)
    horizon = now + timedelta(days=1)
    stamps = [e.updated for e in entries if e.updated is not None]
    shared = False
    if len(entries) >= 10 and stamps:
        _, most = Counter(stamps).most_common(1)[0]
        shared = most > len(entries) / 2
    out: list[datetime | None] = []
    for entry in entries:
        date = entry.updated
        if shared or date is None or date > horizon:
            date = path_date(entry.url)
        out.append(date)
    return out


def recency_bonus(date: datetime | None, now: datetime | None = None) -> int:
    """0..99: 99 for today, one less per day of age, 0 for undated or older than 99 days."""
    if date is None:
        return 0
    age = ((now or datetime.now(UTC)) - date).days
    return max(0, min(RECENCY_DAYS, RECENCY_DAYS - age))


@dataclass
class Frontier:
    """Priorities and caps of one source's run (one per crawl, kept on the crawl context)."""

    article_patterns: Sequence[re.Pattern[str]] = ()
    pattern_cap: int = 0  # 0: no cap
    sitemap_max_entries: int = 0  # 0: no cap
    per_pattern: Counter[str] = field(default_factory=Counter)
    #: shapes (:func:`article_shape`) of pages the page signals said were articles, with counts
    learned_shapes: Counter[str] = field(default_factory=Counter)
    learn_after: int = 2  # pages of one shape detected as articles before the shape counts

    def learn_article(self, url: str) -> None:
        """A page at ``url`` said it is an article (JSON-LD, ``og:type``, ``<article>``): other URLs
        of its shape are article-shaped from now on (once ``learn_after`` pages agree). Not used
        when the source configures ``article_patterns``: then those alone decide."""
        if not self.article_patterns:
            self.learned_shapes[article_shape(url)] += 1

    def looks_like_article(self, url: str) -> bool:
        """Article-shaped by its URL (:func:`article_shaped`) or by the shape of pages detected as
        articles in this run."""
        if article_shaped(url, self.article_patterns):
            return True
        return bool(self.learned_shapes) and self.learned_shapes.get(article_shape(url), 0) >= self.learn_after

    def priority(self, url: str, kind: str, *, listed_by: str | None = None, date: datetime | None = None) -> int:
        """The scheduler priority of a request (see the module docstring)."""
        if kind == "feed":
            return PRIORITY_FEED_DOCUMENT
        if kind == "sitemap":
            return PRIORITY_SITEMAP
        if listed_by in ("feed", "news-sitemap"):
            return PRIORITY_LISTED_ENTRY
        if self.looks_like_article(url):
            return PRIORITY_ARTICLE + recency_bonus(date or path_date(url))
        if kind == "start":
            return PRIORITY_START
        return PRIORITY_OTHER

    def capped(self, url: str, priority: int) -> bool:
        """Take one slot of the URL's pattern; True when the pattern's cap is used up.

        Feed and news-sitemap entries, article-shaped URLs and discovery documents are never capped.
        """
        if self.pattern_full(url, priority):
            return True
        if self.pattern_cap and priority < PRIORITY_ARTICLE:
            self.per_pattern[url_pattern(url)] += 1
        return False

    def pattern_full(self, url: str, priority: int) -> bool:
        """Whether :meth:`capped` would leave the URL behind (takes no slot)."""
        if not self.pattern_cap or priority >= PRIORITY_ARTICLE:
            return False
        return self.per_pattern[url_pattern(url)] >= self.pattern_cap

    def rank(self, entries: Sequence[Found], kind: str) -> list[tuple[int, Found, datetime | None]]:
        """A listing's entries as ``(priority, entry, trusted date)``, best first (stable)."""
        dates = trusted_dates(entries)
        ranked = []
        for entry, date in zip(entries, dates):
            next_kind = "sitemap" if entry.kind == "sitemap" else "page"
            ranked.append((self.priority(entry.url, next_kind, listed_by=entry.listed_by, date=date), entry, date))
        ranked.sort(key=lambda t: (-t[0], -(t[2].timestamp() if t[2] else 0)))
        return ranked


def left_behind(stats: Any, reason: str, urls: Iterable[str] = (), n: int | None = None) -> None:
    """Count URLs discovered but not fetched (``left-behind/<reason>``; ``n`` when more than
    ``urls`` were dropped), keeping the first few as examples for the run summary."""
    urls = list(urls)
    total = len(urls) if n is None else n
    if stats is None or not total:
        return
    count(stats, LEFT_BEHIND, reason, total)
    examples = stats.get_value(EXAMPLES_STAT) or {}
    kept = examples.setdefault(reason, [])
    kept.extend(urls[: max(0, EXAMPLES_PER_REASON - len(kept))])
    stats.set_value(EXAMPLES_STAT, examples)


class FrontierDownloader(Downloader):
    """Scrapy's downloader, taking a request from the scheduler only when it can be sent soon.

    Scrapy's engine pulls requests as long as the downloader has room (``CONCURRENT_REQUESTS``);
    under a download delay or ``Crawl-delay`` they then wait in their slot's queue, in an order
    fixed before later discoveries (today's articles in a feed just parsed) were known. Here the
    engine backs out while any slot already holds a request waiting for its turn, so the next
    request is chosen by priority at most one turn ahead; downloads in flight (a slow page) do
    not hold others up. Registered as ``DOWNLOADER`` in ``spiders/settings.py``.
    """

    def needs_backout(self) -> bool:
        return super().needs_backout() or any(slot.queue for slot in self.slots.values())
