"""extract(): the article, not the page, on the development corpus (tests/data/extraction)."""

from __future__ import annotations

import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.clean import clean_text
from pipelines.extract import extract, extract_with_reason
from pipelines.extract.evaluation import CorpusPage, leaks, load_corpus, word_score
from pipelines.models import Article
from pipelines.extract.widgets import widget_lines

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
    score = word_score(page.expected, article.text, page.title)
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


TITLED = [p for p in ARTICLES if p.title]


@pytest.mark.parametrize("page", TITLED, ids=_ids(TITLED))
def test_text_does_not_repeat_the_title(page: CorpusPage, extracted: dict[str, Article | None]) -> None:
    """The headline has its own field; the text starts with the article's first paragraph."""
    article = extracted[page.name]
    assert article is not None
    assert article.text.split("\n")[0] == page.expected.split("\n")[0]


def test_article_json_round_trips(extracted: dict[str, Article | None]) -> None:
    article = extracted["wpcom-seed"]
    assert article is not None
    again = Article.from_json(article.to_json())
    assert again == article


# --------------------------------------------------------------------------- the demo site, over HTTP

DEMO_SOURCES = ("wpcom", "wpnews", "citynews")


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1 demo site
        return response.read()


@pytest.fixture(scope="module")
def demo_articles(demo_site) -> dict[str, tuple[bytes, Article | None]]:  # type: ignore[no-untyped-def]
    """Every article page of the demo news sites, fetched over HTTP and extracted."""
    pages = {}
    for source in DEMO_SOURCES:
        for url in demo_site.expected[source]["articles"]:
            html = _fetch(url)
            pages[url] = (html, extract(html, url))
    return pages


@pytest.mark.integration
def test_demo_articles_have_no_widget_text_and_no_reader_comment(demo_site, demo_articles) -> None:  # type: ignore[no-untyped-def]
    assert len(demo_articles) >= 30
    for url, (_, article) in demo_articles.items():
        assert article is not None, url
        assert widget_lines(article.text) == [], url
        for comment in demo_site.expected["comments"].get(url, []):
            assert comment["text"] not in article.text, url


@pytest.mark.integration
def test_demo_articles_are_their_text(demo_site, demo_articles) -> None:  # type: ignore[no-untyped-def]
    """The page's own text, cleaned: the seed's "Finished 2" and other wire trailers are gone."""
    bad_pages = demo_site.expected["citynews"]["bad_pages"]
    for url, (_, article) in demo_articles.items():
        expected = clean_text(demo_site.expected["texts"][url])
        if bad_pages.get(url) == "malformed":
            # its unclosed tags cost paragraphs in any parser: it must still be an article, from its start
            assert article.text.startswith(expected.split("\n")[0]), url
            continue
        score = word_score(expected, article.text, demo_site.expected["metadata"][url]["title"])
        assert score.f1 >= 0.95, (url, score)
    seed = demo_articles[demo_site.expected["seed_article"]][1]
    assert seed.text.endswith("military operations in the Middle East.")
    assert len(seed.text.split("\n")) == 7


@pytest.mark.integration
def test_demo_article_metadata(demo_site, demo_articles) -> None:  # type: ignore[no-untyped-def]
    for url, (html, article) in demo_articles.items():
        for field, want in demo_site.expected["metadata"][url].items():
            got = getattr(article, field)
            if field == "language" and got is None:
                # only a page that declares no language may leave it to the tag stage
                assert b" lang=" not in html and b"og:locale" not in html, url
                continue
            assert (sorted(got) if isinstance(want, list) else got) == (sorted(want) if isinstance(want, list) else want), (
                url,
                field,
            )


@pytest.mark.integration
def test_demo_non_articles_are_refused(demo_site) -> None:  # type: ignore[no-untyped-def]
    for source in DEMO_SOURCES:
        for url in demo_site.expected[source]["non_articles"]:
            result = extract_with_reason(_fetch(url), url)
            assert result.article is None, url
            assert result.reason in ("not-article", "too-short"), (url, result.reason)


@pytest.mark.integration
def test_demo_wrong_charset_page_keeps_its_accents(demo_site, demo_articles) -> None:  # type: ignore[no-untyped-def]
    bad = {kind: url for url, kind in demo_site.expected["citynews"]["bad_pages"].items()}
    article = demo_articles[bad["wrong-charset"]][1]
    assert "crème brûlée" in article.title and "crème brûlée" in article.text


def test_a_date_or_author_only_mentioned_in_the_text_is_not_taken() -> None:
    """No guess: a date in a sentence is not the publication date, a name in a sentence not the author."""
    paragraphs = "".join(
        f"<p>On January {day}, 2020, the committee written by hand by Maria Lopez met again to discuss"
        f" the harbour plan and its costs for the city.</p>"
        for day in range(5, 11)
    )
    html = f"<html><head><title>Harbour plan</title></head><body><article>{paragraphs}</article></body></html>"
    article = extract(html, "https://example.org/news/harbour-plan")
    assert article is not None
    assert article.published is None and article.modified is None
    assert article.authors == []
