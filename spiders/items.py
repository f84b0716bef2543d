"""The record the ``news`` spider hands to the item pipeline: one fetched article page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class StagedPage:
    """An HTML page the spider judged an article, on its way to ``records.jsonl``.

    The spider fills the fetch facts; :class:`spiders.staging.StagingPipeline` takes ``html``
    away (no page body reaches a log line) and fills ``article``/``content_hash``/``unchanged``;
    :class:`spiders.seen.SeenUrlsMiddleware` remembers the URL from it.
    """

    url: str
    html: str | None = field(repr=False)
    status: int
    fetched_at: datetime
    detected_by: str
    etag: str | None = None
    last_modified: str | None = None  # the HTTP header as sent
    warc_record_id: str | None = None
    seen: dict[str, Any] | None = None  # the URL's seen-state entry, if known
    article: dict[str, Any] | None = field(default=None, repr=False)  # the staged record
    content_hash: str | None = None
    unchanged: bool = False  # known before with the same text (not staged again)
