"""The staged record of one article page, built where the page is extracted.

:func:`extract_page` runs in the extraction worker process (``spiders.workers``), so this module
imports no Scrapy (nor Twisted): the worker needs the extractor and these few values only.
:class:`spiders.staging.StagingPipeline` writes what it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipelines.models import article_id
from pipelines.text import content_hash
from pipelines.urls import canonicalize_url

if TYPE_CHECKING:
    from pipelines.models import Article


_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)


def repair_markup(html: str) -> str | None:
    """The markup with an unclosed ``<title>`` closed at the end of its line, or ``None`` when
    there is nothing to repair. (HTML parsers treat everything after an unclosed ``<title>`` as
    its text, so the whole page vanishes into the title.)"""
    opened = _TITLE_OPEN.search(html)
    if opened is None or _TITLE_CLOSE.search(html, opened.end()):
        return None
    end = len(html)
    for stop in ("\n", "<"):
        pos = html.find(stop, opened.end())
        if pos != -1:
            end = min(end, pos)
    return html[:end] + "</title>" + html[end:]


@dataclass(frozen=True)
class PageFacts:
    """What the crawl knows of a fetched page and the extractor does not; added to its record
    (picklable: it goes to the extraction worker with the page)."""

    source: str
    run_id: str
    fetched_at: datetime
    http_status: int
    etag: str | None = None
    last_modified: str | None = None
    warc_record_id: str | None = None
    language: str | None = None  # the source's, when the page does not say
    tags: tuple[str, ...] = ()  # the source's tags
    seen_hash: str | None = None  # content hash of the text staged for this URL before


@dataclass
class Extracted:
    """What :func:`extract_page` found (picklable: it comes back from a worker process).

    ``record`` is the staged JSONL line (``Article.to_json()``) of a new or changed article;
    ``unchanged`` says the text hashes to ``PageFacts.seen_hash`` (nothing to stage);
    without an article, ``reason`` says why."""

    reason: str | None
    repaired: bool
    cpu_seconds: float
    content_hash: str | None = None
    record: str | None = None
    unchanged: bool = False


def extract_page(html: str, url: str, keep_comments: bool, rules: Any, facts: PageFacts) -> Extracted:
    """Extract one page (retrying once after :func:`repair_markup`), hash its text and build the
    staged record with ``facts``; runs in a worker process when ``NEWSARCHIVE_EXTRACT_WORKERS`` > 0,
    else on the reactor thread. All of this is CPU work, so all of it is done here."""
    import time

    from pipelines.extract import extract_with_reason  # here: the crawl process itself never extracts

    start = time.thread_time()
    result = extract_with_reason(html, url, keep_comments=keep_comments, rules=rules)
    article, repaired = result.article, False
    if article is None and (fixed := repair_markup(html)) is not None:
        retry = extract_with_reason(fixed, url, keep_comments=keep_comments, rules=rules)
        if retry.article is not None:
            article, repaired = retry.article, True
    if article is None:
        return Extracted(result.reason, repaired, time.thread_time() - start)
    digest = text_hash(article.text)
    if facts.seen_hash == digest:
        return Extracted(None, repaired, time.thread_time() - start, content_hash=digest, unchanged=True)
    record = _with_facts(article, url, facts).to_json()
    return Extracted(None, repaired, time.thread_time() - start, content_hash=digest, record=record)


def _with_facts(article: Article, url: str, facts: PageFacts) -> Article:
    updates: dict[str, Any] = {
        "source": facts.source,
        "run_id": facts.run_id,
        "fetched_at": facts.fetched_at,
        "http_status": facts.http_status,
        "etag": facts.etag,
        "last_modified": facts.last_modified,
        "warc_record_id": facts.warc_record_id,
    }
    if not article.url:
        updates["url"] = url
    if not article.canonical_url:
        updates["canonical_url"] = canonicalize_url(article.url or url)
        updates["id"] = article_id(updates["canonical_url"])
    if facts.language and not article.language:
        updates["language"] = facts.language
    if facts.tags and not article.source_tags:
        updates["source_tags"] = list(facts.tags)
    return article.model_copy(update=updates)


def text_hash(text: str) -> str:
    """What "unchanged" means for an article's extracted text: :func:`pipelines.text.content_hash`."""
    return content_hash(text)
