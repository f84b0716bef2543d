"""The frontier's decisions on small inputs: priorities, trusted dates, pattern and budget rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from scrapy.settings import Settings

from pipelines.config import Limits
from spiders.discovery import Found
from spiders.frontier import (
    article_shape,
    PRIORITY_ARTICLE,
    PRIORITY_LISTED_ENTRY,
    PRIORITY_OTHER,
    Frontier,
    article_shaped,
    path_date,
    trusted_dates,
    url_pattern,
)
from spiders.limits import run_budget

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_article_shaped_urls_and_listings() -> None:
    assert article_shaped("https://n.example/2026/11/30/council-approves-new-bridge/")
    assert article_shaped("https://n.example/local/harbour-road-reopens-after-repairs.html")
    assert not article_shaped("https://n.example/archive/2026/11/30/")
    assert not article_shaped("https://n.example/tag/city-hall-news-today/x")
    assert not article_shaped("https://n.example/page/3/")
    patterns = [re.compile(r"/read\.php\?\d+$")]
    assert article_shaped("https://forum.example/read.php?1423", patterns)
    assert not article_shaped("https://forum.example/2026/11/30/some-long-post-slug/", patterns)


def test_url_pattern_ignores_counters_and_dates() -> None:
    assert url_pattern("https://n.example/archive/2026/11/30/") == url_pattern("https://n.example/archive/1999/01/02/")
    assert url_pattern("https://n.example/?page=2") == url_pattern("https://n.example/?page=31")
    assert url_pattern("https://n.example/a-story/") != url_pattern("https://n.example/b-story/")


def test_future_and_shared_lastmods_are_not_trusted() -> None:
    future = [Found(f"https://n.example/archive/2026/11/{d:02d}/", updated=NOW + timedelta(days=3650)) for d in range(1, 4)]
    assert trusted_dates(future, NOW) == [datetime(2026, 11, d, tzinfo=UTC) for d in range(1, 4)]
    stamp = NOW - timedelta(hours=1)
    shared = [Found(f"https://n.example/story-number-{i}-of-many/", updated=stamp) for i in range(12)]
    assert trusted_dates(shared, NOW) == [None] * 12
    honest = [Found(f"https://n.example/story-number-{i}-of-many/", updated=NOW - timedelta(days=i)) for i in range(12)]
    assert trusted_dates(honest, NOW) == [NOW - timedelta(days=i) for i in range(12)]


def test_feed_entries_first_then_articles_newest_first_then_listings() -> None:
    frontier = Frontier()
    feed = frontier.priority("https://n.example/p/1", "page", listed_by="feed")
    today = frontier.priority("https://n.example/2026/11/30/council-approves-new-bridge/", "page", date=datetime.now(UTC))
    old = frontier.priority("https://n.example/2019/01/02/council-approves-old-bridge/", "page")
    listing = frontier.priority("https://n.example/archive/2026/11/30/", "page")
    start = frontier.priority("https://n.example/", "start")
    assert feed == PRIORITY_LISTED_ENTRY > today > old >= PRIORITY_ARTICLE > start > listing


def test_pattern_cap_spares_articles_and_listed_entries() -> None:
    frontier = Frontier(pattern_cap=2)
    days = [f"https://n.example/archive/2026/11/{d:02d}/" for d in range(1, 5)]
    assert [frontier.capped(u, 0) for u in days] == [False, False, True, True]
    assert not frontier.capped("https://n.example/archive/2026/11/09/", PRIORITY_LISTED_ENTRY)


def test_rank_puts_trusted_recent_articles_first() -> None:
    entries = [
        Found("https://n.example/archive/2026/11/29/", updated=NOW + timedelta(days=3650)),
        Found("https://n.example/2026/10/01/older-story-about-the-port/", updated=datetime(2026, 10, 1, tzinfo=UTC)),
        Found("https://n.example/2026/11/29/newer-story-about-the-port/", updated=datetime(2026, 11, 29, tzinfo=UTC)),
    ]
    ranked = [e.url for _, e, _ in Frontier().rank(entries, "sitemap")]
    assert ranked == [entries[2].url, entries[1].url, entries[0].url]


def test_path_date() -> None:
    assert path_date("https://n.example/2026/11/30/x/") == datetime(2026, 11, 30, tzinfo=UTC)
    assert path_date("https://n.example/2026-02-30-x") is None
    assert path_date("https://n.example/about/") is None


def test_run_budget_is_decided_in_one_place() -> None:
    from spiders import settings as defaults

    base = Settings({k: v for k, v in vars(defaults).items() if k.isupper()})
    assert run_budget(base) == (defaults.NEWSARCHIVE_DEFAULT_MAX_PAGES, defaults.NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS)
    assert run_budget(base, Limits(max_pages=50, max_run_seconds=90)) == (50, 90)
    base.set("NEWSARCHIVE_MAX_PAGES", 10)
    assert run_budget(base, Limits(max_pages=50)) == (10, defaults.NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS)


class _Scheduler:
    def __init__(self, waiting: int) -> None:
        self.waiting = waiting

    def __len__(self) -> int:
        return self.waiting


class _Engine:
    def __init__(self, waiting: int) -> None:
        self.scheduler = _Scheduler(waiting)
        self.downloader = type("D", (), {"active": {"the last page"}, "slots": {}})()
        self.spider = None


def _limits_at_budget(waiting: int) -> tuple[object, object]:
    from crawl_settings import get_crawler
    from scrapy import Request, Spider
    from scrapy.http import Response

    from spiders.context import CrawlContext
    from spiders.limits import RunLimits
    from spiders.seen import KIND_META

    crawler = get_crawler(Spider, {"NEWSARCHIVE_MAX_PAGES": 2, "NEWSARCHIVE_DEFAULT_MAX_RUN_SECONDS": 0, "NEWSARCHIVE_MAX_RUN_SECONDS": 0})
    crawler.newsarchive = CrawlContext(source=None, run_id="r", frontier=Frontier())  # type: ignore[arg-type]
    crawler.engine = _Engine(waiting)
    limits = RunLimits.from_crawler(crawler)
    limits.spider_opened(crawler._create_spider("s"))
    for n, kind in enumerate(["feed", "sitemap", "page", "page"]):  # feeds and sitemaps do not count
        url = f"http://example.test/{n}"
        limits.response_received(Response(url), Request(url, meta={KIND_META: kind}))
    return crawler, limits


def test_a_budget_that_leaves_nothing_behind_does_not_cut_the_run() -> None:
    crawler, limits = _limits_at_budget(waiting=0)
    assert crawler.newsarchive.budget_spent and limits.stopping is None  # type: ignore[attr-defined]
    assert not crawler.stats.get_value("newsarchive/outcome/left-behind/run-budget")


def test_a_budget_with_pages_waiting_stops_and_counts_them() -> None:
    crawler, limits = _limits_at_budget(waiting=3)
    assert limits.stopping == "max_pages"  # type: ignore[attr-defined]
    assert crawler.stats.get_value("newsarchive/outcome/left-behind/run-budget") == 3


def test_summary_is_complete_unless_the_budget_left_pages_behind() -> None:
    from spiders.summary import build_summary

    capped = {"newsarchive/outcome/left-behind": 5, "newsarchive/outcome/left-behind/pattern-cap": 5}
    summary = build_summary(capped, source_id="s", run_id="r", reason="finished")
    assert summary["complete"] and summary["left_behind"] == {"pattern-cap": 5} and "max_pages" not in summary["limits_hit"]
    cut = {**capped, "newsarchive/outcome/left-behind/run-budget": 7}
    summary = build_summary(cut, source_id="s", run_id="r", reason="closespider_pagecount")
    assert not summary["complete"] and summary["left_behind"]["run-budget"] == 7 and "max_pages" in summary["limits_hit"]


def test_page_signals_teach_the_frontier_which_link_shapes_are_articles() -> None:
    frontier = Frontier(pattern_cap=2)
    story = "https://n.example/story-{}.html"  # no slug, no date: not article-shaped by its URL
    assert frontier.priority(story.format(9), "page") == PRIORITY_OTHER
    assert article_shape(story.format(1)) == article_shape(story.format(22)) == "n.example/story-N.html"
    assert article_shape("https://n.example/news/2026/11/30/council-votes-on-budget/") == "n.example/news/N/N/N/S/"
    frontier.learn_article(story.format(1))
    assert frontier.priority(story.format(9), "page") == PRIORITY_OTHER  # one page is not a pattern yet
    frontier.learn_article(story.format(2))
    assert frontier.priority(story.format(9), "page") == PRIORITY_ARTICLE
    # learned shapes are spared the pattern cap like other article-shaped URLs
    assert not any(frontier.capped(story.format(n), frontier.priority(story.format(n), "page")) for n in range(10, 20))
    # other shapes of the same site are not affected
    assert frontier.priority("https://n.example/tag/ferries/", "page") == PRIORITY_OTHER
    assert frontier.priority("https://n.example/archive/story-9.html", "page") == PRIORITY_OTHER
    # with article_patterns configured, only the patterns decide
    configured = Frontier(article_patterns=[re.compile(r"/news/")])
    for n in (1, 2, 3):
        configured.learn_article(story.format(n))
    assert configured.priority(story.format(9), "page") == PRIORITY_OTHER
