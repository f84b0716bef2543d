"""Garbage in: extraction returns None (with a reason) or an article, never raises, and is quick."""

from __future__ import annotations

import gzip
import os
import time

import pytest

from pipelines.extract import DEFAULT_MAX_HTML_CHARS, REASONS, extract, extract_with_reason

PARAGRAPHS = "".join(
    f"<p>On day {day} the council met again to vote on the new budget for the city's schools and parks.</p>"
    for day in range(1, 7)
)
ARTICLE = f"<html><head><title>Budget</title></head><body><article>{PARAGRAPHS}</article></body></html>"
# Generous: the point is "bounded", not a benchmark (these run in well under a second).
BOUND_SECONDS = 10.0


def _timed(html: object, **kwargs: object):
    start = time.perf_counter()
    result = extract_with_reason(html, **kwargs)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    assert elapsed < BOUND_SECONDS, f"took {elapsed:.1f}s"
    assert (result.article is None) != (result.reason is None)
    if result.reason is not None:
        assert result.reason in REASONS
    return result


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty"),
        (b"", "empty"),
        ("   \n\t  ", "empty"),
        (None, "empty"),
        (bytes(range(256)) * 64, "not-html"),
        (b"\x89PNG\r\n\x1a\n" + os.urandom(20000), "not-html"),
        ("just a line of plain text, no markup at all", "not-html"),
        ("<html><head><title>Only a head</title></head></html>", "no-main-text"),
        ("<html><body></body></html>", "no-main-text"),
        ("<html><body><p>Too short to be news.</p></body></html>", "too-short"),
    ],
)
def test_garbage_gives_a_reason(html: object, reason: str) -> None:
    result = _timed(html)
    assert result.article is None
    assert result.reason == reason


def test_random_text_never_raises() -> None:
    noise = os.urandom(50000).decode("latin-1")
    assert _timed(noise).article is None


def test_wrong_type_is_an_extractor_error_not_an_exception() -> None:
    assert _timed(12345).reason == "extractor-error"


def test_huge_page_is_refused_quickly() -> None:
    html = "<html><body>" + PARAGRAPHS * (20_000_000 // len(PARAGRAPHS)) + "</body></html>"
    assert len(html) > DEFAULT_MAX_HTML_CHARS
    assert _timed(html).reason == "too-large"
    assert _timed(html.encode()).reason == "too-large"


def test_size_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSARCHIVE_MAX_HTML_CHARS", str(len(ARTICLE) - 1))
    assert _timed(ARTICLE).reason == "too-large"


@pytest.mark.parametrize("depth", [300, 5_000, 200_000])
def test_deeply_nested_html_is_refused(depth: int) -> None:
    html = "<html><body>" + "<div>" * depth + PARAGRAPHS + "</div>" * depth + "</body></html>"
    assert _timed(html).reason == "too-deep"


def test_moderately_nested_article_is_extracted() -> None:
    html = "<html><body>" + "<div>" * 150 + PARAGRAPHS + "</div>" * 150 + "</body></html>"
    article = _timed(html).article
    assert article is not None
    assert "new budget" in article.text


@pytest.mark.parametrize(
    "html",
    [
        ARTICLE,
        ARTICLE.encode("utf-8"),
        ARTICLE.encode("utf-16"),
        '<?xml version="1.0" encoding="utf-8"?>' + ARTICLE,
        ARTICLE.replace("</article></body></html>", ""),  # truncated download
        "<body>" + PARAGRAPHS,  # no <html>, no <head>
        ARTICLE.replace("<p>", "<p\x00>"),  # NUL bytes inside
    ],
)
def test_odd_but_real_pages_still_give_the_article(html: object) -> None:
    result = _timed(html)
    assert result.article is not None, result.reason
    assert "new budget" in result.article.text


def test_extract_is_extract_with_reason_article() -> None:
    assert extract("") is None
    article = extract(ARTICLE, "https://example.org/budget")
    assert article is not None and article.url == "https://example.org/budget"


def test_compressed_body_is_read() -> None:
    article = _timed(gzip.compress(ARTICLE.encode("utf-8"))).article
    assert article is not None and "new budget" in article.text


def test_compression_bomb_stays_bounded() -> None:
    bomb = gzip.compress(b"<html><body>" + b"<p>x</p>" * 1_500_000)  # 12 MB inflated, over the limit
    assert _timed(bomb).article is None
