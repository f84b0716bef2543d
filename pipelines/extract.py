"""Article extraction (placeholder until the extraction issue lands: plain trafilatura)."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura

from pipelines.models import Article


@dataclass(frozen=True)
class ExtractionResult:
    """An article, or ``None`` with the reason the page is not one."""

    article: Article | None
    reason: str | None = None


def extract_with_reason(html: str, url: str | None = None, *, keep_comments: bool = False) -> ExtractionResult:
    """Extract an article from ``html``; never raises."""
    try:
        doc = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
    except Exception as exc:  # noqa: BLE001 - the API never raises past this point
        return ExtractionResult(None, f"extractor-error: {type(exc).__name__}")
    if doc is None or not (doc.text or "").strip():
        return ExtractionResult(None, "no-main-text")
    return ExtractionResult(Article(url=url or doc.url or "", title=doc.title, text=doc.text))


def extract(html: str, url: str | None = None) -> Article | None:
    """The article in ``html``, or ``None`` for a page that is not an article."""
    return extract_with_reason(html, url).article
