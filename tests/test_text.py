"""One word count and one content hash for every stage (pipelines.text)."""

from __future__ import annotations

from pipelines.models import Article
from pipelines.jobs.process import clean_record
from pipelines.text import content_hash, count_words

# A Chinese paragraph written here: no spaces between words, as Chinese is written.
CHINESE = "今天上午市政府宣布新的公共交通计划，将在明年春天开通三条新的公交线路。" * 3


def test_cjk_characters_count_as_words() -> None:
    assert count_words("两条新闻") == 4
    assert count_words("Tokyo 東京 news") == 4
    assert count_words("three plain words") == 3


def test_cjk_article_is_not_rejected_as_too_short_by_processing() -> None:
    record = Article(url="https://news.example.cn/a/1", title="交通", text=CHINESE, source="cn")
    cleaned = clean_record(record, min_words=25)
    assert cleaned.rejected is None
    assert cleaned.word_count == count_words(CHINESE) > 25


def test_content_hash_ignores_case_punctuation_and_spacing_only() -> None:
    assert content_hash("Hello,  World!\n") == content_hash("hello world")
    assert content_hash("Hello world") != content_hash("Hello there world")
