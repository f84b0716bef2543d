"""The base every demo site builds on: a page table, routing, and its share of the ground truth."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

from .markup import slugify
from .model import Response, Story


@dataclass
class Request:
    """What a route needs to know about an incoming request."""

    method: str
    path: str
    query: str
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, list[str]]:
        """Parsed query string."""
        return parse_qs(self.query, keep_blank_values=True)


@dataclass
class Options:
    """Tunables shared by every site (the constructor arguments of :class:`DemoSite`)."""

    slow_seconds: float = 2.0
    drip_seconds: float = 120.0
    retry_after: int = 5
    huge_bytes: int = 12 * 1024 * 1024
    bomb_inflated_bytes: int = 1024**3


@dataclass
class SiteTruth:
    """Per-source ground truth (see :attr:`DemoSite.expected`)."""

    articles: list[str] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)
    non_articles: list[str] = field(default_factory=list)
    bad_pages: dict[str, str] = field(default_factory=dict)


def html_response(body: str, modified: datetime | None, status: int = 200, **headers: str) -> Response:
    """A complete HTML response, ETag derived from the body."""
    data = body.encode("utf-8")
    return Response(status=status, body=data, last_modified=modified, etag=etag_for(data), headers=dict(headers))


def etag_for(data: bytes) -> str:
    """A strong ETag for a body."""
    return '"' + hashlib.sha1(data).hexdigest()[:20] + '"'


def taxonomy_listings(posts: list[Story], render: Callable[..., str]) -> dict[str, str]:
    """WordPress category and tag archives (path -> page), each rendered by ``render(heading, members, archive=...)``."""
    listing: dict[str, str] = {}
    for category in sorted({c for s in posts for c in s.categories}):
        members = [s for s in posts if category in s.categories]
        listing[f"/category/{slugify(category)}/"] = render(category, members, archive=f"Category: {category}")
    for tag in sorted({t for s in posts for t in s.tags}):
        members = [s for s in posts if tag in s.tags]
        listing[f"/tag/{slugify(tag)}/"] = render(tag, members, archive=f"Tag: {tag}")
    return listing


class Site:
    """One demo site on its own port. Subclasses fill :attr:`pages` in :meth:`build` and may
    override :meth:`route` for dynamic answers (redirects, variants, stateful traps)."""

    name = "site"
    title = "Demo site"

    def __init__(self, base: str, options: Options) -> None:
        self.base = base.rstrip("/")
        self.options = options
        self.pages: dict[str, Response] = {}
        self.articles: list[tuple[Story, str]] = []
        self.truth = SiteTruth()
        self.build()

    def url(self, path: str) -> str:
        """Absolute URL of a path on this site."""
        return self.base + path

    def build(self) -> None:
        """Fill :attr:`pages` and :attr:`truth`. Called again when content changes."""

    def start_posts(self, stories: Iterable[Story], path_of: Callable[[Story], str]) -> list[Story]:
        """Begin a build of a blog: the stories newest first become :attr:`articles` (and the
        articles' ground truth), the page table starts empty. Returns the sorted stories."""
        posts = sorted(stories, key=lambda s: s.published, reverse=True)  # type: ignore[arg-type,return-value]
        self.articles = [(s, self.url(path_of(s))) for s in posts]
        self.pages = {}
        self.truth.articles = [u for _, u in self.articles]
        return posts

    def add_private(
        self, pages: dict[str, Response], stories: Iterable[Story], path_of: Callable[[Story], str], render: Callable[[Story, str], str]
    ) -> None:
        """Serve each story under ``/private`` (robots.txt disallows it) and count it as disallowed."""
        for story in stories:
            path = "/private" + path_of(story)
            pages[path] = html_response(render(story, path), story.modified)
            self.truth.disallowed.append(self.url(path))

    def add_listings(self, pages: dict[str, Response], listing: dict[str, str], modified: datetime | None) -> None:
        """Serve listing and static pages (path -> HTML) and count them as non-articles."""
        for path, body in listing.items():
            pages[path] = html_response(body, modified)
            self.truth.non_articles.append(self.url(path))

    def route(self, request: Request) -> Response | None:
        """The response for a request, or ``None`` for a 404."""
        return self.pages.get(request.path)

    def not_found(self, request: Request) -> Response:
        """The site's 404 page."""
        body = (
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page not found</title>"
            "<meta name=\"robots\" content=\"noindex\"></head><body><h1>Not found</h1>"
            f"<p>Nothing lives at {request.path}. <a href=\"/\">Back to the home page</a>.</p></body></html>"
        )
        return html_response(body, None, status=404)

    def handle(self, request: Request) -> Response:
        """Answer a request (404 when no route matches)."""
        return self.route(request) or self.not_found(request)

    def latest(self) -> datetime | None:
        """Most recent modification of any article: the Last-Modified of listing pages."""
        dates = [s.modified for s, _ in self.articles if s.modified]
        return max(dates) if dates else None

    def extra_truth(self) -> dict[str, object]:
        """Site-specific additions to the global ground truth (merged by :class:`DemoSite`)."""
        return {}
