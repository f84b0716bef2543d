"""extract(): the article, not the page, on the development corpus (tests/data/extraction)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipelines.extract import extract, extract_with_reason
from pipelines.extraction_eval import CorpusPage, leaks, load_corpus, word_score
from pipelines.models import Article

CORPUS = Path(__file__).parent / "data" / "extraction"
PAGES = load_corpus(CORPUS)
ARTICLES = [p for p in PAGES if not p.not_article]
# Hand-written pages have exactly known article texts: extraction must get nearly all of it.
MIN_F1 = 0.95


def _ids(pages: list[CorpusPage]) -> list[str]:
    return [p.name for p in pages]


@pytest.fixture(scope="module")
def extracted() -> dict[str, Article | None]:
    return {p.name: extract(p.html, p.url) for p in PAGES}


@pytest.mark.parametrize("page", ARTICLES, ids=_ids(ARTICLES))
def test_article_text_is_the_article(page: CorpusPage, extracted: dict[str, Article | None]) -> None:
    article = extracted[page.name]
    assert article is not None
    score = word_score(page.expected, article.text)
    assert score.f1 >= MIN_F1, f"{page.name}: P={score.precision:.3f} R={score.recall:.3f}\n{article.text}"
    assert leaks(article.text, page) == []
    assert article.word_count == len(article.text.split())


@pytest.mark.parametrize("page", ARTICLES, ids=_ids(ARTICLES))
def test_last_paragraph_is_kept_whole(page: CorpusPage, extracted: dict[str, Article | None]) -> None:
    """Widget and trailer removal stop at the article's own last sentence."""
    article = extracted[page.name]
    assert article is not None
    assert article.text.rstrip().endswith(page.expected.rstrip().split("\n")[-1])


def _expected_value(field: str, value: object) -> object:
    if field in ("published", "modified") and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


METADATA_CASES = [(p, f) for p in ARTICLES for f in p.metadata]


@pytest.mark.parametrize(("page", "field"), METADATA_CASES, ids=[f"{p.name}-{f}" for p, f in METADATA_CASES])
def test_metadata_field(page: CorpusPage, field: str, extracted: dict[str, Article | None]) -> None:
    article = extracted[page.name]
    assert article is not None
    want = _expected_value(field, page.metadata[field])
    got = getattr(article, field)
    if isinstance(want, list):
        assert sorted(got) == sorted(want)
    else:
        assert got == want
    if isinstance(got, datetime):
        assert got.tzinfo is not None and got.utcoffset() == want.utcoffset()


COMMENT_PAGES = [p for p in ARTICLES if p.comments]


@pytest.mark.parametrize("page", COMMENT_PAGES, ids=_ids(COMMENT_PAGES))
def test_kept_comments_are_separate_records(page: CorpusPage) -> None:
    result = extract_with_reason(page.html, page.url, keep_comments=True)
    assert result.article is not None
    comments = result.article.comments
    assert len(comments) == len(page.comments)
    for want, got in zip(page.comments, comments, strict=True):
        assert want["text"] in got.text
        assert got.author == want.get("author")
        if "published" in want:
            assert got.published == datetime.fromisoformat(want["published"])
        assert want["text"] not in result.article.text


@pytest.mark.parametrize("page", COMMENT_PAGES, ids=_ids(COMMENT_PAGES))
def test_comments_are_dropped_by_default(page: CorpusPage, extracted: dict[str, Article | None]) -> None:
    article = extracted[page.name]
    assert article is not None and article.comments == []


NOT_ARTICLES = [p for p in PAGES if p.not_article]


@pytest.mark.parametrize("page", NOT_ARTICLES, ids=_ids(NOT_ARTICLES))
def test_listing_pages_are_not_articles(page: CorpusPage) -> None:
    result = extract_with_reason(page.html, page.url)
    assert result.article is None
    assert result.reason == "not-article"


def test_article_json_round_trips(extracted: dict[str, Article | None]) -> None:
    article = extracted["wpcom-seed"]
    assert article is not None
    again = Article.from_json(article.to_json())
    assert again == article
