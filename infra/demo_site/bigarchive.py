"""``bigarchive``: the *Northshore Gazette*, built like a real news site's discovery surface.

What a crawler meets on such a site, all at once and competing for one budget:

* a sitemap index with a 60,000-URL date-archive sitemap (``/archive/YYYY/MM/DD/``, above the
  sitemaps.org limit of 50,000) whose ``lastmod`` values lie years in the future, and a posts
  sitemap of the 20 articles;
* an RSS feed and a home page that both list the 20 articles (published over the last days);
* a date-archive calendar: every day from 1990 to 2100 answers with links to the days around it;
* ``/page/N/`` pagination that never ends;
* robots.txt ``Crawl-delay: 1``.

Ground truth: ``expected["bigarchive"]["articles"]`` (the 20 articles, plus any added with
:meth:`BigArchive.publish`), ``expected["bigarchive"]["archive_pattern"]`` (a regex matching every
date-archive page).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from .feeds import RSS_TYPE, XML_TYPE, robots, rss, sitemap_index, text_response, urlset, xml_response
from .markup import esc, iso, json_ld, paragraphs_html, slugify, wp_date
from .model import TOPICS, Response, Story
from .site import Options, Request, Site, html_response

SITE_NAME = "Northshore Gazette"
ARTICLES = 20
ARCHIVE_SITEMAP_URLS = 60_000
CRAWL_DELAY = 1.0
ARCHIVE_PATTERN = r"/archive/\d{4}/\d{2}/\d{2}/$"

_PLACES = ["Harbour Road", "the old mill", "Kingfisher Bay", "the north pier", "Elm Park", "the ferry terminal", "Castle Hill", "the river walk"]
_SUBJECTS = ["council", "school board", "port authority", "library trust", "sailing club", "health board", "fire service", "chamber of commerce"]
_ACTIONS = ["approves", "delays", "rethinks", "funds", "opens", "questions", "extends", "reviews"]
_OBJECTS = ["new footbridge", "winter timetable", "flood barrier", "youth centre", "cycle lanes", "market hall repairs", "tidal pool", "parking plan"]


def _story(n: int, published: datetime) -> Story:
    """Article ``n`` of the site, made from word lists (seeded: the same on every start)."""
    rng = random.Random(n)
    subject, action, thing, place = (rng.choice(words) for words in (_SUBJECTS, _ACTIONS, _OBJECTS, _PLACES))
    title = f"{subject.title()} {action} {thing} near {place} ({n})"
    paragraphs = [
        f"The {subject} {action} the {thing} near {place} after a meeting that ran late into the evening on "
        f"{wp_date(published)}, story number {n} in the Gazette's running coverage of the plan.",
        f"Residents who spoke at the session said the {thing} had been discussed for years. One of them, a "
        f"retired engineer living near {place}, asked who would pay for upkeep once the first grant ran out.",
        f"Officials answered that a review would report within {rng.randint(3, 11)} weeks, and that "
        f"{rng.randint(40, 400)} households had already replied to the consultation letters sent in the spring.",
        f"The {subject} meets again next month, when the figures for the {thing} are due. The Gazette will "
        f"publish the full report, the votes of each member and the replies of the residents' groups.",
    ]
    return Story(
        slug=slugify(title),
        title=title,
        paragraphs=paragraphs,
        topics=[TOPICS[n % len(TOPICS)]],
        authors=[rng.choice(["Mara Quinn", "Tobias Reyes", "Ines Falk", "Owen Blake"])],
        published=published,
        categories=["Local"],
        section="local",
    )


def story_path(story: Story) -> str:
    """``/YYYY/MM/DD/slug/``."""
    assert story.published is not None
    return f"/{story.published:%Y/%m/%d}/{story.slug}/"


class BigArchive(Site):
    """The news site with the big archive sitemap (source id ``bigarchive``)."""

    name = "bigarchive"
    title = SITE_NAME

    def __init__(self, base: str, options: Options) -> None:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        # one article every 5 hours: the newest this hour, the oldest about four days ago
        self.stories = [_story(n, now - timedelta(hours=5 * n)) for n in range(ARTICLES)]
        self._archive_sitemap: Response | None = None
        super().__init__(base, options)

    def publish(self) -> str:
        """Publish one new article (in the feed, the home page and the posts sitemap); its URL."""
        published = datetime.now(UTC).replace(microsecond=0)
        story = _story(len(self.stories) + 1000, published)
        self.stories.append(story)
        self.build()
        return self.url(story_path(story))

    def build(self) -> None:
        posts = self.start_posts(self.stories, story_path)
        latest = self.latest()
        pages = self.pages
        for story, url in self.articles:
            pages[story_path(story)] = html_response(self._article(story, url), story.modified)
        pages["/"] = html_response(self._listing(SITE_NAME, posts, page=1), latest)
        self.truth.non_articles.append(self.url("/"))
        pages["/feed/"] = xml_response(rss(SITE_NAME, self.base, "News from the north shore", self.articles, latest), RSS_TYPE, latest)
        pages["/sitemap_index.xml"] = xml_response(
            sitemap_index([(self.url("/sitemaps/posts.xml"), latest), (self.url("/sitemaps/archive.xml"), _future(latest))]),
            XML_TYPE,
            latest,
        )
        pages["/sitemaps/posts.xml"] = xml_response(urlset([(u, s.modified) for s, u in self.articles]), XML_TYPE, latest)
        pages["/robots.txt"] = text_response(
            robots(["/wp-admin/"], [self.url("/sitemap_index.xml")], crawl_delay=CRAWL_DELAY, allow=["/wp-admin/admin-ajax.php"]), latest
        )

    def route(self, request: Request) -> Response | None:
        if request.path == "/sitemaps/archive.xml":
            return self._archive()
        parts = [p for p in request.path.split("/") if p]
        if len(parts) == 4 and parts[0] == "archive" and request.path.endswith("/"):
            return self._day(parts[1:])
        if len(parts) == 2 and parts[0] == "page" and parts[1].isdigit() and int(parts[1]) > 1:
            return html_response(self._listing(f"{SITE_NAME}: page {parts[1]}", [], page=int(parts[1])), None)
        return super().route(request)

    def extra_truth(self) -> dict[str, object]:
        return {"source": {"archive_pattern": ARCHIVE_PATTERN, "crawl_delay": CRAWL_DELAY, "archive_sitemap_urls": ARCHIVE_SITEMAP_URLS}}

    def source_entry(self, common: dict[str, object], hard_sources: bool) -> dict[str, object]:
        """Its ``sources.yaml`` entry: the home page, the feed and the sitemap index, no limits."""
        return {
            **common,
            "enabled": hard_sources,
            "start_urls": [f"{self.base}/"],
            "feeds": [f"{self.base}/feed/"],
            "sitemaps": [f"{self.base}/sitemap_index.xml"],
            "tags": ["demo", "big-archive"],
        }

    # -- pages -------------------------------------------------------------------------------

    def _archive(self) -> Response:
        """60,000 date-archive URLs, newest day first, each with a lastmod ten years ahead."""
        if self._archive_sitemap is None:
            first = (self.stories[0].published or datetime.now(UTC)).date()
            entries = []
            for back in range(ARCHIVE_SITEMAP_URLS):
                day = first - timedelta(days=back)
                stamp = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
                entries.append((self.url(f"/archive/{day:%Y/%m/%d}/"), _future(stamp)))
            self._archive_sitemap = xml_response(urlset(entries), XML_TYPE, None)
        return self._archive_sitemap

    def _day(self, ymd: list[str]) -> Response | None:
        try:
            day = date(int(ymd[0]), int(ymd[1]), int(ymd[2]))
        except ValueError:
            return None
        if not 1990 <= day.year <= 2100:
            return None
        posts = [s for s in self.stories if s.published and s.published.date() == day]
        links = [day + timedelta(days=d) for d in (-1, 1)] + [day.replace(day=d) for d in range(1, 29)]
        calendar = " ".join(f'<a href="/archive/{d:%Y/%m/%d}/">{d.day}</a>' for d in links)
        heading = f"Archive for {wp_date(datetime(day.year, day.month, day.day))}"
        return html_response(self._listing(heading, posts, page=0, calendar=calendar), None)

    def _listing(self, heading: str, stories: list[Story], *, page: int, calendar: str = "") -> str:
        cards = "\n".join(
            f'<li><a href="{esc(story_path(s))}">{esc(s.title)}</a> <time>{wp_date(s.published)}</time></li>'  # type: ignore[arg-type]
            for s in stories
        )
        today = self.stories[0].published or datetime.now(UTC)
        older = f'<a class="next" href="/page/{page + 1}/">Older posts</a>' if page else ""
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(heading)}</title>'
            f'<meta property="og:type" content="website"><link rel="alternate" type="application/rss+xml" href="/feed/">'
            f"</head><body><header><h1>{esc(SITE_NAME)}</h1><nav><a href=\"/\">Home</a> "
            f'<a href="/archive/{today:%Y/%m/%d}/">Today</a></nav></header>'
            f"<main><h2>{esc(heading)}</h2><ul>{cards or '<li>No stories.</li>'}</ul>{older}</main>"
            f'<aside class="calendar">{calendar}</aside>'
            "<footer><p>The Northshore Gazette is printed on Thursdays and updated online every day.</p></footer>"
            "</body></html>"
        )

    def _article(self, story: Story, url: str) -> str:
        assert story.published is not None
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": iso(story.published),
            "dateModified": iso(story.modified or story.published),
            "author": [{"@type": "Person", "name": a} for a in story.authors],
            "publisher": {"@type": "Organization", "name": SITE_NAME},
            "mainEntityOfPage": url,
        }
        return (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(story.title)} – {esc(SITE_NAME)}</title>'
            f'<link rel="canonical" href="{esc(url)}"><meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{iso(story.published)}">{json_ld(data)}</head>'
            f'<body><header><a href="/">{esc(SITE_NAME)}</a></header><main><article><h1>{esc(story.title)}</h1>'
            f'<p class="byline">By {esc(", ".join(story.authors))}, <time datetime="{iso(story.published)}">'
            f"{wp_date(story.published)}</time></p>{paragraphs_html(story.paragraphs)}</article>"
            f'<p>More from <a href="/archive/{story.published:%Y/%m/%d}/">this day</a>.</p></main></body></html>'
        )


def _future(stamp: datetime | None) -> datetime:
    """A lastmod years ahead of ``stamp``: what a misconfigured generator writes."""
    return (stamp or datetime.now(UTC)) + timedelta(days=3653)
