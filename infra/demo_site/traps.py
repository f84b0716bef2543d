"""``traps``: the *Valley Ledger*, a small news site whose pages are mostly crawler traps.

One case of each trap the crawler must survive, next to a few good articles it must still archive.
Ground truth: ``expected["traps"]`` (``articles``, ``junk`` url -> reason, ``junk_patterns``,
``cases`` name -> url/reason/archived). Infinite families (calendar, pagination, path counter,
redirect chain) are generated on the fly; the 1 GiB bombs are compressed once (~4.5 MiB each,
about 1.5 s) on first request and cached for the process.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
import zlib
from datetime import UTC, datetime

from . import badpages
from . import content_traps as content
from .feeds import RSS_TYPE, XML_TYPE, robots, sitemap_index, text_response, urlset, xml_response
from .markup import esc, http_date, iso, json_ld, paragraphs_html, wp_date
from .model import Response, Story
from .site import Options, Request, Site, etag_for, html_response

REDIRECT_HOPS = 25
NEST_DEPTH = 5000
_BOMBS: dict[tuple[str, int], bytes] = {}
_BOMB_LOCK = threading.Lock()

# Reason names, shared with the crawler's run summary.
SIZE_LIMIT, TIMEOUT, TRAP, ROBOTS, RETRY, SOFT_404, NOT_ARTICLE, BAD_ENCODING, BAD_FEED = (
    "size-limit", "timeout", "trap", "robots-denied", "retry-after-wait", "soft-404", "not-article", "bad-encoding", "bad-feed",
)


def gzip_bomb(kind: str, prefix: bytes, suffix: bytes, inflated: int) -> bytes:
    """A gzip stream that inflates to about ``inflated`` bytes of whitespace between prefix and suffix.

    Level-1 deflate of blanks gives ~4.5 MiB per GiB; computed once per (kind, size) and cached.
    """
    key = (kind, inflated)
    with _BOMB_LOCK:
        if key not in _BOMBS:
            packer = zlib.compressobj(1, zlib.DEFLATED, 31)
            parts = [packer.compress(prefix)]
            block = b" " * (1 << 20)
            remaining = inflated
            while remaining > 0:
                piece = block[: min(remaining, len(block))]
                parts.append(packer.compress(piece))
                remaining -= len(piece)
            parts.append(packer.compress(suffix))
            parts.append(packer.flush())
            _BOMBS[key] = b"".join(parts)
        return _BOMBS[key]


def entity_bomb_feed(base: str, article_url: str) -> str:
    """An RSS feed with a "billion laughs" internal DTD: ten levels of tenfold entity expansion."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [
{chr(10).join(entities)}
]>
<rss version="2.0"><channel><title>{content.SITE_NAME} &lol9;</title><link>{base}/</link><description>&lol9;</description>
<item><title>&lol9;</title><link>{article_url}</link><description>&lol9;</description></item>
</channel></rss>
"""


class TrapSite(Site):
    """Every crawler trap, one case each (source id ``traps``)."""

    name = "traps"
    title = content.SITE_NAME

    def __init__(self, base: str, options: Options) -> None:
        self._first_hit: dict[str, float] = {}
        self._state_lock = threading.Lock()
        super().__init__(base, options)

    # -- content --------------------------------------------------------------------------

    def _story(self, role: str) -> Story:
        return next(s for s in content.POSTS if s.role == role)

    @staticmethod
    def path_of(story: Story) -> str:
        """``/news/slug/`` permalink."""
        return f"/news/{story.slug}/"

    def build(self) -> None:
        posts = content.POSTS
        self.articles = [(s, self.url(self.path_of(s))) for s in posts]
        self.pages = {}
        latest = self.latest()
        for story in posts:
            path = self.path_of(story)
            if story.role in ("rate-limited", "unavailable"):
                continue  # served by route(), stateful
            page = self._article(story, path)
            if story.role == "cp1252":
                response = badpages.wrong_charset_article(page)
                response.content_type = "text/html; charset=UTF-8"
                response.last_modified = story.modified
                self.pages[path] = response
            elif story.role == "unknown-charset":
                data = page.replace('<meta charset="UTF-8">', '<meta charset="x-valley-1911">').encode("ascii", "xmlcharrefreplace")
                self.pages[path] = Response(body=data, content_type="text/html; charset=x-valley-1911", etag=etag_for(data), last_modified=story.modified)
            else:
                self.pages[path] = html_response(page, story.modified)
            self.pages[path + "amp/"] = html_response(self._article(story, path, amp=True), story.modified)
            self.pages[path + "comment-page-2/"] = html_response(self._article(story, path, comment_page=2), story.modified)
            self.pages[path + "feed/"] = xml_response(self._comment_feed(story, path), RSS_TYPE, story.modified)
        members = content.MEMBERS_ONLY
        self.pages["/members/exclusive-interview/"] = html_response(self._article(members, "/members/exclusive-interview/"), members.modified)
        self.pages["/"] = html_response(self._home(), latest)
        self.pages["/robots.txt"] = text_response(
            robots(["/members/", "/wp-admin/"], [self.url("/sitemap.xml"), self.url("/sitemap-loop.xml")], crawl_delay=1), latest
        )
        linked = [(s, u) for s, u in self.articles if s.role != "hidden-sitemap"]
        self.pages["/sitemap-news.xml"] = xml_response(urlset([(u, s.modified) for s, u in linked]), XML_TYPE, latest)
        self.pages["/sitemap.xml"] = xml_response(
            sitemap_index([(self.url(p), latest) for p in ("/sitemap-news.xml", "/sitemap-loop.xml", "/sitemap-bomb.xml.gz")]), XML_TYPE, latest
        )
        self.pages["/sitemap-loop.xml"] = xml_response(
            sitemap_index([(self.url("/sitemap-loop.xml"), latest), (self.url("/sitemap-news.xml"), latest)]), XML_TYPE, latest
        )
        hidden = self._story("hidden-sitemap")
        self.pages["/hidden-sitemap.xml"] = xml_response(urlset([(self.url(self.path_of(hidden)), hidden.modified)]), XML_TYPE, latest)
        feed = entity_bomb_feed(self.base, self.url(self.path_of(posts[0])))
        self.pages["/feed/"] = xml_response(feed, RSS_TYPE, latest)
        self.pages["/news/2025/06/summer-fair-schedule/"] = html_response(self._soft_404(), latest)
        self.pages["/news/empty/"] = Response(body=b"", etag=etag_for(b""), last_modified=latest)
        tiny = b"<html><body>ok</body></html>"
        self.pages["/news/tiny/"] = Response(body=tiny, etag=etag_for(tiny), last_modified=latest)
        noise = random.Random(1911).randbytes(20_000)
        self.pages["/news/binary/"] = Response(body=noise, content_type="text/html; charset=utf-8", etag=etag_for(noise), last_modified=latest)
        self.pages["/news/deep/"] = html_response(self._deep(), latest)
        self.pages["/wp-login.php"] = html_response(self._login(), latest)
        self.pages["/go/end/"] = html_response(
            "<!DOCTYPE html><html><head><title>End of the line</title></head><body><p>You followed every redirect.</p></body></html>", latest
        )
        self._build_truth()

    # -- dynamic routes ---------------------------------------------------------------------

    def route(self, request: Request) -> Response | None:
        path, params = request.path, request.params
        latest = self.latest()
        if "share" in params and path.startswith("/news/"):
            return Response(status=302, headers={"Location": f"https://twitter.com/intent/tweet?url={self.url(path)}"}, conditional=False)
        if "replytocom" in params and path in self.pages:
            text = self.pages[path].body.decode("utf-8", "replace").replace("<head>", "<head>\n<meta name='robots' content='noindex, follow' />", 1)
            return html_response(text, latest)
        match = re.fullmatch(r"/calendar/(\d{4})/(\d{2})/", path)
        if match:
            return html_response(self._calendar(int(match[1]), int(match[2])), latest)
        if path == "/archive/":
            page = int((params.get("page") or ["1"])[0] or 1) if (params.get("page") or ["1"])[0].isdigit() else 1
            return html_response(self._archive(page), latest)
        if re.fullmatch(r"/a(/\d+)+/", path):
            depth = path.count("/") - 2
            return html_response(self._counter(path, depth), latest)
        match = re.fullmatch(r"/go/(\d+)/", path)
        if match:
            hop = int(match[1])
            target = f"/go/{hop + 1}/" if hop < REDIRECT_HOPS else "/go/end/"
            return Response(status=302, headers={"Location": target}, conditional=False)
        if path == "/downloads/annual-report.html":
            body = gzip_bomb("html", b"<!DOCTYPE html><html><head><title>Annual report</title></head><body><pre>", b"</pre></body></html>", self.options.bomb_inflated_bytes)
            return Response(body=body, headers={"Content-Encoding": "gzip"}, etag=f'"bomb-html-{self.options.bomb_inflated_bytes}"', last_modified=latest)
        if path == "/sitemap-bomb.xml.gz":
            prefix = b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            body = gzip_bomb("sitemap", prefix, b"</urlset>\n", self.options.bomb_inflated_bytes)
            return Response(body=body, content_type="application/x-gzip", etag=f'"bomb-xml-{self.options.bomb_inflated_bytes}"', last_modified=latest)
        if path == "/live/drip/":
            return badpages.byte_drip(self.options.drip_seconds, latest)
        if path == "/wp-comments-post.php":
            if request.method == "POST":
                return Response(status=302, headers={"Location": "/"}, conditional=False)
            body = b"<!DOCTYPE html><html><head><title>Comment Submission Failure</title></head><body><p>Method not allowed.</p></body></html>"
            return Response(status=405, body=body, headers={"Allow": "POST"}, conditional=False)
        for role in ("rate-limited", "unavailable"):
            story = self._story(role)
            if path == self.path_of(story):
                return self._wait_then_serve(story, path, role)
        return self.pages.get(path)

    def _wait_then_serve(self, story: Story, path: str, role: str) -> Response:
        """429 (Retry-After seconds) or 503 (Retry-After HTTP-date) until the wait is over, then the article."""
        wait = float(self.options.retry_after)
        with self._state_lock:
            first = self._first_hit.setdefault(path, time.time())
        ready = first + wait
        now = time.time()
        if now >= ready:
            return html_response(self._article(story, path), story.modified)
        retry = "<!DOCTYPE html><html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"
        if role == "rate-limited":
            left = max(1, math.ceil(ready - now))
            return Response(status=429, body=retry.format("Too Many Requests").encode(), headers={"Retry-After": str(left)}, conditional=False)
        when = datetime.fromtimestamp(math.ceil(ready), UTC)
        return Response(status=503, body=retry.format("Service Unavailable").encode(), headers={"Retry-After": http_date(when)}, conditional=False)

    # -- templates -------------------------------------------------------------------------

    def _page(self, title: str, body: str, head: str = "") -> str:
        return f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="UTF-8">
<title>{esc(title)}</title>
{head}
<link rel="alternate" type="application/rss+xml" title="{content.SITE_NAME} feed" href="/feed/">
</head>
<body><header class="site-header"><p class="site-title"><a href="/">{content.SITE_NAME}</a></p><p class="site-description">{content.TAGLINE}</p></header>
<main id="main" class="site-main">
{body}
</main>
<footer class="site-footer"><a href="/">Home</a> &middot; <a href="/archive/?page=1">Archive</a> &middot; <a href="/wp-login.php">Log in</a></footer>
</body></html>"""

    def _home(self) -> str:
        visible = [(s, u) for s, u in self.articles if s.role != "hidden-sitemap"]
        stories = "".join(f'<li><a href="{self.path_of(s)}">{esc(s.title)}</a></li>' for s, _ in visible)
        first = self.path_of(content.POSTS[0])
        traps = f"""<li><a href="/members/exclusive-interview/">{esc(content.MEMBERS_ONLY.title)}</a></li>
<li><a href="/calendar/2026/11/">Events calendar</a></li>
<li><a href="/archive/?page=1">All stories</a></li>
<li><a href="/a/1/">Browse sections</a></li>
<li><a href="/hidden-sitemap.xml">Site map</a></li>
<li><a href="/downloads/annual-report.html">Annual report</a></li>
<li><a href="/live/drip/">Live blog</a></li>
<li><a href="/go/1/">Short link</a></li>
<li><a href="/news/2025/06/summer-fair-schedule/">Summer fair schedule</a></li>
<li><a href="/news/empty/">Corrections</a></li>
<li><a href="/news/tiny/">Weather</a></li>
<li><a href="/news/binary/">E-paper</a></li>
<li><a href="/news/deep/">Reader letters</a></li>
<li><a href="/feed/">RSS</a></li>
<li><a href="{first}?replytocom=3001#respond">Reply to Pete R.</a></li>
<li><a href="{first}?share=twitter&amp;nb=1">Share on Twitter</a></li>
<li><a href="{first}comment-page-2/#comments">Older comments</a></li>
<li><a href="{first}feed/">Comments feed</a></li>
<li><a href="{first}amp/">Mobile version</a></li>
<li><a href="/wp-comments-post.php">Comment</a></li>"""
        return self._page(content.SITE_NAME, f'<h1>Latest</h1><ul class="stories">{stories}</ul><h2>More</h2><ul class="more">{traps}</ul>', '<meta property="og:type" content="website">')

    def _article(self, story: Story, path: str, amp: bool = False, comment_page: int = 0) -> str:
        url = self.url(path)
        assert story.published and story.modified
        canonical = url + (f"comment-page-{comment_page}/#comments" if comment_page else "")
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": iso(story.published),
            "dateModified": iso(story.modified),
            "author": [{"@type": "Person", "name": a} for a in story.authors],
            "keywords": story.tags,
            "articleSection": story.categories,
            "publisher": {"@type": "Organization", "name": content.SITE_NAME},
        }
        head = "\n".join(
            [
                f'<link rel="canonical" href="{esc(canonical)}">',
                '<meta property="og:type" content="article">',
                f'<meta property="og:title" content="{esc(story.title)}">',
                f'<meta property="og:url" content="{esc(url)}">',
                f'<meta property="og:site_name" content="{content.SITE_NAME}">',
                f'<meta property="article:published_time" content="{iso(story.published)}">',
                *[f'<meta property="article:tag" content="{esc(t)}">' for t in story.tags],
                f'<link rel="amphtml" href="{esc(url)}amp/">' if not amp else "",
                f'<link rel="alternate" type="application/rss+xml" title="Comments" href="{esc(url)}feed/">',
                json_ld(ld),
            ]
        )
        comments = "".join(
            f"""<li id="comment-{c.id}" class="comment"><article class="comment-body"><b class="fn">{esc(c.author)}</b> <span class="says">says:</span>
<div class="comment-content"><p>{esc(c.text)}</p></div>
<div class="reply"><a rel="nofollow" class="comment-reply-link" href="{path}?replytocom={c.id}#respond">Reply</a>
<a rel="nofollow" class="comment-reply-login" href="/wp-login.php?redirect_to={esc(url)}">Log in to Reply</a></div></article></li>"""
            for c in story.comments
        )
        body = f"""<article class="post type-post hentry">
<header class="entry-header"><h1 class="entry-title">{esc(story.title)}</h1>
<p class="entry-meta">By <span class="author">{esc(", ".join(story.authors))}</span> &middot; <time datetime="{iso(story.published)}">{wp_date(story.published)}</time></p></header>
<div class="entry-content">{paragraphs_html(story.paragraphs)}</div>
<div class="sharedaddy"><h3 class="sd-title">Share this:</h3><a href="{path}?share=twitter&amp;nb=1">Twitter</a> <a href="{path}?share=facebook&amp;nb=1">Facebook</a></div>
</article>
<div id="comments" class="comments-area"><ol class="comment-list">{comments}</ol>
<nav class="comment-navigation"><a href="{path}comment-page-2/#comments">Older comments</a></nav>
<div id="respond" class="comment-respond"><h3 id="reply-title">Leave a Reply</h3>
<form action="/wp-comments-post.php" method="post" id="commentform"><p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
<textarea name="comment"></textarea><input type="submit" value="Post Comment"></form></div></div>"""
        return self._page(f"{story.title} - {content.SITE_NAME}", body, head)

    def _comment_feed(self, story: Story, path: str) -> str:
        items = "".join(
            f"<item><title>By: {esc(c.author)}</title><link>{self.url(path)}#comment-{c.id}</link><description>{esc(c.text)}</description></item>"
            for c in story.comments
        )
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Comments on: {esc(story.title)}</title><link>{self.url(path)}</link><description>Comments</description>{items}</channel></rss>'

    def _calendar(self, year: int, month: int) -> str:
        nxt = (year + (month == 12), month % 12 + 1)
        prev = (year - (month == 1), (month - 2) % 12 + 1)
        days = "".join(f"<td>{d}</td>" for d in range(1, 29))
        body = f"""<h1>Events: {year}-{month:02d}</h1><table class="calendar"><tr>{days}</tr></table><p>No events this month.</p>
<nav><a rel="prev" href="/calendar/{prev[0]}/{prev[1]:02d}/">&laquo; Previous month</a> <a rel="next" href="/calendar/{nxt[0]}/{nxt[1]:02d}/">Next month &raquo;</a></nav>"""
        return self._page(f"Events {year}-{month:02d}", body, '<meta property="og:type" content="website">')

    def _archive(self, page: int) -> str:
        items = "".join(f'<li><a href="{self.path_of(s)}">{esc(s.title)}</a></li>' for s in content.POSTS if s.role == "linked")
        body = f'<h1>All stories, page {page}</h1><ul>{items}</ul><nav><a rel="next" href="/archive/?page={page + 1}">Next page</a></nav>'
        return self._page(f"Archive page {page}", body, '<meta property="og:type" content="website">')

    def _counter(self, path: str, depth: int) -> str:
        body = f'<h1>Section {depth}</h1><p>Browse deeper.</p><a href="{path}{depth + 1}/">More in this section</a>'
        return self._page(f"Section {depth}", body)

    def _soft_404(self) -> str:
        head = '<meta property="og:type" content="article">\n<meta property="og:title" content="Page not found">'
        body = """<article class="post"><h1 class="entry-title">Page not found</h1>
<div class="entry-content"><p>Sorry, the page you are looking for does not exist. It may have been moved or deleted.</p>
<p>Try searching the site or go back to the <a href="/">home page</a>.</p></div></article>"""
        return self._page("Page not found", body, head)

    def _deep(self) -> str:
        inner = "<p>Letters to the editor are printed on Saturdays. Write to the newsroom to have yours considered.</p>"
        return self._page("Reader letters", "<div>" * NEST_DEPTH + inner + "</div>" * NEST_DEPTH)

    def _login(self) -> str:
        body = """<div id="login"><h1>Log In</h1><form name="loginform" id="loginform" action="/wp-login.php" method="post">
<p><label for="user_login">Username or Email Address</label><input type="text" name="log" id="user_login"></p>
<p><label for="user_pass">Password</label><input type="password" name="pwd" id="user_pass"></p>
<p class="submit"><input type="submit" name="wp-submit" id="wp-submit" value="Log In"></p></form>
<p id="nav"><a href="/wp-login.php?action=lostpassword">Lost your password?</a></p></div>"""
        return self._page("Log In", body, '<meta name="robots" content="noindex, nofollow">')

    # -- ground truth ----------------------------------------------------------------------

    def _build_truth(self) -> None:
        u = self.url
        first = self.path_of(content.POSTS[0])
        story_url = {s.role: u(self.path_of(s)) for s in content.POSTS if s.role != "linked"}
        cases: dict[str, tuple[str, str | None, bool]] = {
            "robots-disallow": (u("/members/exclusive-interview/"), ROBOTS, False),
            "calendar": (u("/calendar/2026/11/"), TRAP, False),
            "pagination": (u("/archive/?page=1"), TRAP, False),
            "path-counter": (u("/a/1/"), TRAP, False),
            "sitemap-loop": (u("/sitemap-loop.xml"), TRAP, False),
            "hidden-sitemap": (u("/hidden-sitemap.xml"), None, False),
            "hidden-sitemap-article": (story_url["hidden-sitemap"], None, True),
            "gzip-bomb": (u("/downloads/annual-report.html"), SIZE_LIMIT, False),
            "sitemap-bomb": (u("/sitemap-bomb.xml.gz"), SIZE_LIMIT, False),
            "slow-drip": (u("/live/drip/"), TIMEOUT, False),
            "redirect-chain": (u("/go/1/"), TRAP, False),
            "retry-after-429": (story_url["rate-limited"], RETRY, True),
            "retry-after-503": (story_url["unavailable"], RETRY, True),
            "soft-404": (u("/news/2025/06/summer-fair-schedule/"), SOFT_404, False),
            "empty-body": (u("/news/empty/"), NOT_ARTICLE, False),
            "tiny-body": (u("/news/tiny/"), NOT_ARTICLE, False),
            "binary-body": (u("/news/binary/"), BAD_ENCODING, False),
            "cp1252-declared-utf8": (story_url["cp1252"], BAD_ENCODING, True),
            "unknown-charset": (story_url["unknown-charset"], BAD_ENCODING, True),
            "entity-bomb-feed": (u("/feed/"), BAD_FEED, False),
            "deep-nesting": (u("/news/deep/"), NOT_ARTICLE, False),
            "replytocom": (u(first + "?replytocom=3001"), TRAP, False),
            "share": (u(first + "?share=twitter&nb=1"), TRAP, False),
            "comment-page": (u(first + "comment-page-2/"), TRAP, False),
            "post-feed": (u(first + "feed/"), NOT_ARTICLE, False),
            "amp": (u(first + "amp/"), TRAP, False),
            "wp-comments-post": (u("/wp-comments-post.php"), NOT_ARTICLE, False),
            "wp-login": (u("/wp-login.php"), NOT_ARTICLE, False),
        }
        self.cases = {name: {"url": url, "reason": reason, "archived": archived} for name, (url, reason, archived) in cases.items()}
        self.truth.articles = [url for _, url in self.articles]
        self.truth.disallowed = [u("/members/exclusive-interview/")]
        self.truth.non_articles = [u("/")]
        self.truth.bad_pages = {}
        self.junk = {c["url"]: c["reason"] for c in self.cases.values() if not c["archived"] and c["reason"]}

    def extra_truth(self) -> dict[str, object]:
        base = re.escape(self.base)
        return {
            "source": {
                "junk": dict(self.junk),
                "junk_patterns": {
                    f"^{base}/calendar/": TRAP,
                    f"^{base}/archive/\\?page=": TRAP,
                    f"^{base}/a/": TRAP,
                    f"^{base}/go/": TRAP,
                    f"^{base}/members/": ROBOTS,
                    f"^{base}/wp-": NOT_ARTICLE,
                    f"^{base}/news/[^/]+/(amp|feed|comment-page-\\d+)/": TRAP,
                    f"^{base}/news/[^/]+/\\?(replytocom|share)=": TRAP,
                },
                "cases": {k: dict(v) for k, v in self.cases.items()},
                "wait_articles": [self.cases["retry-after-429"]["url"], self.cases["retry-after-503"]["url"]],
                "crawl_delay": 1.0,
                "retry_after": self.options.retry_after,
            },
            "encoding_checks": {self.cases["cp1252-declared-utf8"]["url"]: list(content.CP1252_WORDS)},
        }
