"""``citynews``: the *Harbor City Courier*, a custom-CMS news site (JSON-LD NewsArticle, bylines,
datelines, Atom feed, Google News sitemap) that also carries the bad pages."""

from __future__ import annotations

import copy

from . import badpages
from . import content_citynews as content
from .feeds import ATOM_TYPE, XML_TYPE, atom, news_sitemap, robots, text_response, urlset, xml_response
from .markup import esc, iso, json_ld, slugify, wp_date
from .model import Response, Story
from .site import Options, Request, Site, html_response

SECTIONS = {"local": "Local", "world": "World", "business": "Business", "sport": "Sport", "science": "Science", "health": "Health", "culture": "Culture"}
PER_PAGE = 7

# Bad pages: path -> kind. The malformed and wrong-charset ones are real articles (see content).
SERVER_ERROR_PATH = "/local/2026/11/24/water-rates-hearing-live.html"
SLOW_PATH = "/live/2026/11/25/port-traffic-live-updates.html"
HUGE_PATH = "/archive/print-editions-1921-2026.html"
GONE_PATH = "/local/2026/11/19/story-removed-at-request-of-source.html"


def story_path(story: Story) -> str:
    """``/section/YYYY/MM/DD/slug.html``, or ``/section/slug.html`` for an undated story."""
    if story.published is None:
        return f"/{story.section}/{story.slug}.html"
    return f"/{story.section}/{story.published:%Y/%m/%d}/{story.slug}.html"


def staff_path(name: str) -> str:
    """Author page path."""
    return f"/staff/{slugify(name)}/"


class CityNews(Site):
    """The non-WordPress news site (source id ``citynews``)."""

    name = "citynews"
    title = content.SITE_NAME

    def __init__(self, base: str, options: Options) -> None:
        self.version = 1
        self.posts = copy.deepcopy(content.POSTS)
        super().__init__(base, options)

    def update(self) -> None:
        """Publish the second version of the updated story (new text, dates, ETag)."""
        if self.version == 2:
            return
        story = self._role("updated")
        story.paragraphs = list(content.UPDATED_V2["paragraphs"])  # type: ignore[arg-type]
        story.modified = content.UPDATED_V2["modified"]  # type: ignore[assignment]
        self.version = 2
        self.build()

    def updated_url(self) -> str:
        """URL of the updated story."""
        return self.url(story_path(self._role("updated")))

    def _role(self, role: str) -> Story:
        return next(s for s in self.posts if s.role == role)

    def build(self) -> None:
        key = lambda s: s.published.timestamp() if s.published else 0.0  # noqa: E731
        posts = sorted(self.posts, key=key, reverse=True)
        # The undated story sits second on the home page, as an editor would place it.
        undated = [s for s in posts if s.published is None]
        dated = [s for s in posts if s.published is not None]
        posts = dated[:1] + undated + dated[1:]
        self.articles = [(s, self.url(story_path(s))) for s in posts]
        pages: dict[str, Response] = {}
        truth = self.truth
        truth.articles = [u for _, u in self.articles]
        truth.non_articles, truth.disallowed, truth.bad_pages = [], [], {}
        latest = self.latest()
        for story, _ in self.articles:
            path = story_path(story)
            html = self._story_page(story, path)
            if story.role == "malformed":
                pages[path] = html_response(badpages.malformed_article(story, self.url(path), content.SITE_NAME), story.modified)
                truth.bad_pages[self.url(path)] = "malformed"
            elif story.role == "wrong-charset":
                response = badpages.wrong_charset_article(html)
                response.last_modified = story.modified
                pages[path] = response
                truth.bad_pages[self.url(path)] = "wrong-charset"
            else:
                # The undated story still gets a Last-Modified header (every page has validators).
                pages[path] = html_response(html, story.modified or latest)
        self.add_private(pages, content.PRIVATE, story_path, self._story_page)
        truth.bad_pages.update(
            {self.url(SERVER_ERROR_PATH): "500", self.url(SLOW_PATH): "slow", self.url(HUGE_PATH): "huge", self.url(GONE_PATH): "404"}
        )
        listing = {
            "/": self._listing(content.SITE_NAME, posts[:PER_PAGE], home=True),
            "/archive/": self._listing("Archive", posts[:PER_PAGE], archive_page=1),
            "/archive/page/2/": self._listing("Archive, page 2", posts[PER_PAGE:], archive_page=2),
        }
        for section, label in SECTIONS.items():
            members = [s for s in posts if s.section == section]
            if members:
                listing[f"/{section}/"] = self._listing(label, members)
        for tag in sorted({t for s in posts for t in s.tags}):
            listing[f"/topic/{slugify(tag)}/"] = self._listing(f"Topic: {tag}", [s for s in posts if tag in s.tags])
        for name in sorted({a for s in posts for a in s.authors}):
            listing[staff_path(name)] = self._listing(name, [s for s in posts if name in s.authors], staff=name)
        listing["/about/"] = self._page("About the Courier", "The Harbor City Courier has reported on the city and its port since 1921. It is owned by a non-profit trust and edited independently.")
        listing["/contact/"] = self._page("Contact us", "Newsroom switchboard: 555-0142. Letters to the editor: letters@courier.example.")
        self.add_listings(pages, listing, latest)
        feed_items = [(s, u) for s, u in self.articles if s.published is not None]
        pages["/feeds/latest.atom"] = xml_response(atom(content.SITE_NAME, self.base, self.url("/feeds/latest.atom"), feed_items, latest), ATOM_TYPE, latest)
        bad_in_sitemap = [SERVER_ERROR_PATH, SLOW_PATH, HUGE_PATH, GONE_PATH]
        pages["/news-sitemap.xml"] = xml_response(
            news_sitemap(content.SITE_NAME, feed_items).replace(
                "</urlset>",
                "".join(f"<url><loc>{self.url(p)}</loc></url>\n" for p in bad_in_sitemap) + "</urlset>",
            ),
            XML_TYPE,
            latest,
        )
        pages["/sitemap.xml"] = xml_response(urlset([(self.url(p), latest) for p in listing]), XML_TYPE, latest)
        pages["/robots.txt"] = text_response(
            robots(["/private/", "/search"], [self.url("/news-sitemap.xml"), self.url("/sitemap.xml")]), latest
        )
        pages[SLOW_PATH] = badpages.dripped(self._live_page().encode("utf-8"), self.options.slow_seconds, latest)
        self.pages = pages

    def route(self, request: Request) -> Response | None:
        if request.path == SERVER_ERROR_PATH:
            return badpages.server_error()
        if request.path == HUGE_PATH:
            return badpages.huge_page(self.options.huge_bytes, "Print editions 1921-2026: complete index", self.latest())
        return self.pages.get(request.path)

    def metadata(self, story: Story, url: str) -> dict[str, object]:
        """What the page of ``story`` shows (ground truth for the extractor)."""
        label = SECTIONS.get(story.section, story.section.title())
        meta: dict[str, object] = {
            "title": story.title,
            "authors": list(story.authors),
            "published": story.published,
            "modified": story.modified,
            "categories": [label],
            "tags": list(story.tags),
            "site_name": content.SITE_NAME,
            "language": "en",
        }
        if story.role == "malformed":  # only a byline, a published_time meta and og:title survive
            meta.update({"modified": None, "categories": [], "tags": [], "site_name": None})
        return meta

    # -- templates -------------------------------------------------------------------------

    def _head(self, title: str, extra: str) -> str:
        return f"""<!DOCTYPE html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="alternate" type="application/atom+xml" title="{esc(content.SITE_NAME)}: latest" href="/feeds/latest.atom">
<link rel="stylesheet" href="/static/css/courier.4f2a9c.css">
{extra}
</head>"""

    def _top(self) -> str:
        nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in SECTIONS.items())
        return f"""<body>
<div class="cx-page"><header class="cx-masthead"><a class="cx-logo" href="/">{esc(content.SITE_NAME)}</a><p class="cx-tagline">{esc(content.TAGLINE)}</p>
<nav class="cx-sections"><ul>{nav}<li><a href="/archive/">Archive</a></li></ul></nav>
<form class="cx-search" action="/search" method="get"><input name="q" placeholder="Search the Courier"></form></header>
<main class="cx-main">"""

    def _bottom(self) -> str:
        return """</main>
<aside class="cx-newsletter"><h2>Get the Morning Courier</h2><p>Sign up for our free newsletter and start every weekday with the stories Harbor City is talking about.</p>
<form action="/newsletter/subscribe" method="post"><input type="email" name="email" placeholder="Your email"><button>Sign up</button></form></aside>
<footer class="cx-footer"><ul><li><a href="/about/">About us</a></li><li><a href="/contact/">Contact</a></li><li><a href="/archive/">Archive</a></li><li><a href="/feeds/latest.atom">Atom feed</a></li></ul>
<p>&copy; 2026 Harbor City Courier Trust. All rights reserved.</p></footer></div>
</body></html>"""

    def _card(self, story: Story) -> str:
        date = f'<time datetime="{iso(story.published)}">{wp_date(story.published)}</time>' if story.published else ""
        by = f'<span class="cx-card__by">By {esc(", ".join(story.authors))}</span>' if story.authors else ""
        return f"""<div class="cx-card"><a class="cx-card__link" href="{story_path(story)}"><h3 class="cx-card__title">{esc(story.title)}</h3></a>
<p class="cx-card__dek">{esc(story.description)}</p><p class="cx-card__meta">{by} {date}</p></div>"""

    def _listing(self, heading: str, stories: list[Story], home: bool = False, archive_page: int = 0, staff: str = "") -> str:
        cards = "\n".join(self._card(s) for s in stories)
        extra = f'<meta property="og:type" content="website">\n<meta property="og:site_name" content="{esc(content.SITE_NAME)}">'
        more = ""
        if home:
            private = content.PRIVATE[0]
            more = f"""<section class="cx-rail"><h2>Also today</h2><ul>
<li><a href="{SLOW_PATH}">Live: port traffic updates</a></li>
<li><a href="{SERVER_ERROR_PATH}">Live: water rates hearing</a></li>
<li><a href="{HUGE_PATH}">From the archive: every print edition since 1921</a></li>
<li><a href="{GONE_PATH}">Source asks Courier to withdraw story</a></li>
<li><a href="/private{story_path(private)}">{esc(private.title)}</a></li>
</ul><p><a href="/archive/page/2/">Older stories</a></p></section>"""
        if archive_page == 1:
            more = '<nav class="cx-pager"><a rel="next" href="/archive/page/2/">Next page</a></nav>'
        elif archive_page == 2:
            more = '<nav class="cx-pager"><a rel="prev" href="/archive/">Previous page</a></nav>'
        if staff:
            more = f'<p class="cx-staff-bio">{esc(staff)} is a reporter at the Courier.</p>' + more
        title = content.SITE_NAME if home else f"{heading} | {content.SITE_NAME}"
        return self._head(title, extra) + self._top() + f'<h1 class="cx-listing__title">{esc(heading)}</h1>\n{cards}\n{more}' + self._bottom()

    def _page(self, title: str, text: str) -> str:
        extra = f'<meta property="og:type" content="website">\n<meta property="og:title" content="{esc(title)}">'
        return self._head(f"{title} | {content.SITE_NAME}", extra) + self._top() + f"<h1>{esc(title)}</h1><p>{esc(text)}</p>" + self._bottom()

    def _live_page(self) -> str:
        entries = "".join(
            f"<li><time>{h:02d}:{m:02d}</time> Ferry {n} reports a {5 + n % 7}-minute delay at Pier {1 + n % 4}.</li>"
            for n, (h, m) in enumerate([(6, 5), (6, 40), (7, 15), (7, 55), (8, 20), (8, 45), (9, 30), (10, 10)])
        )
        extra = '<meta property="og:type" content="website">\n<meta http-equiv="refresh" content="60">'
        return self._head(f"Live: port traffic updates | {content.SITE_NAME}", extra) + self._top() + f"<h1>Port traffic: live updates</h1><ul class=\"cx-ticker\">{entries}</ul>" + self._bottom()

    @staticmethod
    def _comment_embed(story: Story, url: str) -> str:
        """Third-party comment embeds (JavaScript-only threads): Facebook or Commento."""
        if story.widget == "facebook":
            return f"""<section class="cx-comments"><h2>Comments</h2><div id="fb-root"></div>
<script async defer crossorigin="anonymous" src="https://connect.facebook.net/en_US/sdk.js#xfbml=1&amp;version=v19.0"></script>
<div class="fb-comments" data-href="{esc(url)}" data-width="100%" data-numposts="5" data-order-by="reverse_time"></div>
<noscript>Comments are powered by Facebook. Enable JavaScript to read and post comments.</noscript></section>"""
        if story.widget == "commento":
            return """<section class="cx-comments"><h2>Join the conversation</h2><div id="commento"></div>
<script defer src="https://cdn.commento.io/js/commento.js" data-no-fonts="true"></script>
<noscript>Please enable JavaScript to load the comments.</noscript></section>"""
        return ""

    def _story_page(self, story: Story, path: str) -> str:
        url = self.url(path)
        label = SECTIONS.get(story.section, story.section.title())
        ld: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "publisher": {"@type": "NewsMediaOrganization", "name": content.SITE_NAME, "url": self.base + "/"},
            "articleSection": label,
            "isAccessibleForFree": True,
        }
        meta = [
            f'<link rel="canonical" href="{esc(url)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{esc(story.title)}">',
            f'<meta property="og:url" content="{esc(url)}">',
            f'<meta property="og:site_name" content="{esc(content.SITE_NAME)}">',
            f'<meta property="og:description" content="{esc(story.description)}">',
            f'<meta name="description" content="{esc(story.description)}">',
        ]
        if story.role != "no-metadata":
            assert story.published and story.modified
            ld.update(
                {
                    "datePublished": iso(story.published),
                    "dateModified": iso(story.modified),
                    "author": [{"@type": "Person", "name": a, "url": self.url(staff_path(a))} for a in story.authors],
                    "keywords": ", ".join(story.tags),
                }
            )
            meta += [
                f'<meta property="article:published_time" content="{iso(story.published)}">',
                f'<meta property="article:modified_time" content="{iso(story.modified)}">',
                f'<meta property="article:section" content="{esc(label)}">',
                *[f'<meta property="article:tag" content="{esc(t)}">' for t in story.tags],
                f'<meta name="byl" content="By {esc(", ".join(story.authors))}">',
            ]
        meta.append(json_ld(ld))
        paragraphs = list(story.paragraphs)
        lead = esc(paragraphs[0])
        if story.dateline:
            lead = f'<span class="cx-dateline">{esc(story.dateline)} &mdash;</span> {lead}'
        body = f"<p>{lead}</p>\n" + "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs[1:])
        if story.trailer:
            body += f'\n<p class="cx-story__credit"><em>{esc(story.trailer)}</em></p>'
        header = f'<h1 class="cx-story__headline">{esc(story.title)}</h1>'
        if story.role != "no-metadata":
            assert story.published and story.modified
            byline = " and ".join(f'<a rel="author" href="{staff_path(a)}">{esc(a)}</a>' for a in story.authors)
            updated = ""
            if story.modified != story.published:
                updated = f' &middot; Updated <time class="cx-story__updated" datetime="{iso(story.modified)}">{wp_date(story.modified)} {story.modified:%H:%M} UTC</time>'
            header += f"""<div class="cx-story__meta"><span class="cx-story__byline">By {byline}</span>
<span class="cx-story__date"><time datetime="{iso(story.published)}">{wp_date(story.published)} {story.published:%H:%M} UTC</time>{updated}</span></div>"""
            if story.role == "updated" and self.version == 2:
                header += f'<p class="cx-story__correction">{esc(str(content.UPDATED_V2["correction"]))}</p>'
        tags = " ".join(f'<a class="cx-tag" href="/topic/{slugify(t)}/">{esc(t)}</a>' for t in story.tags)
        related = [s for s in self.posts if s is not story and s.section == story.section][:2]
        rel_html = "".join(f'<li><a href="{story_path(s)}">{esc(s.title)}</a></li>' for s in related)
        return (
            self._head(f"{story.title} | {content.SITE_NAME}", "\n".join(meta))
            + self._top()
            + f"""<article class="cx-story" data-section="{story.section}">
<p class="cx-kicker"><a href="/{story.section}/">{esc(label)}</a></p>
{header}
<div class="cx-story__body">
{body}
</div>
<footer class="cx-story__tags">{tags}</footer>
</article>
{self._comment_embed(story, url)}
<aside class="cx-related"><h2>More from {esc(label)}</h2><ul>{rel_html}</ul></aside>"""
            + self._bottom()
        )
