"""Not-an-article detection beyond og:type: soft-404s, error pages, empty/tiny and binary bodies.

A ``200 OK`` is not always a page. :func:`check_page` looks at an HTML response's bytes, title,
headings and body class and names what is wrong:

* ``soft-404/<signal>``: a "not found" page served with 200 (WordPress ``body.error404``, a
  canonical/og:url pointing at a 404 page, or a short page with a not-found title or heading in
  one of the common languages), even when it still says ``og:type=article``;
* ``not-article/error-page``: a short 200 page that is a server, database, access or
  bot-challenge error;
* ``not-article/empty`` / ``not-article/tiny-body``: no body, or less than
  ``NEWSARCHIVE_PAGE_MIN_BYTES`` bytes of it;
* ``bad-encoding/binary-as-html``: PDF, image, archive or other binary bytes labelled as HTML;
* ``not-article/too-deep``: nesting deeper than ``NEWSARCHIVE_HTML_MAX_DEPTH`` (parsers would cut it).

:class:`PageCheckMiddleware` (downloader middleware, priority 570: after decompression and
charset repair) drops such a response before the spider sees it (``IgnoreRequest``: never
staged, never archived, links not followed) and counts the outcome with its reason.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml.etree import XPath
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse

from pipelines.text import count_words
from spiders.decoding import looks_binary, response_too_deep
from spiders.outcomes import count

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_XML_START = re.compile(rb"^\s*(?:<\?xml|<(?:rss|feed|urlset|sitemapindex|rdf:RDF)\b)", re.I)

# "Not found" in the languages news sites are most often written in.
_NOT_FOUND = re.compile(
    r"^\W*(?:error\s*)?404\b|\b(?:error|page|erreur|fehler|error)\s*404\b|\b404\s*[-–—:|(]|not\s+found|page\s+(?:does\s+not|doesn['’]t)\s+exist|nothing\s+(?:was\s+)?found|"
    r"no\s+longer\s+(?:available|exists)|page\s+(?:is\s+)?missing|can['’]t\s+find\s+(?:that|the|this)\s+page|"
    r"nicht\s+gefunden|no\s+encontrad[ao]|introuvable|non\s+trovat[ao]|niet\s+gevonden|"
    r"não\s+encontrad[ao]|nie\s+znaleziono|не\s+найден|bulunamadı|hittades\s+inte|ikke\s+fundet|"
    r"ei\s+löytynyt|nem\s+található|nenalezen|找不到|未找到|見つかりません|페이지를\s+찾을\s+수",
    re.I,
)
_ERROR_PAGE = re.compile(
    r"internal\s+server\s+error|service\s+(?:temporarily\s+)?unavailable|bad\s+gateway|gateway\s+time-?out|"
    r"error\s+establishing\s+a\s+database\s+connection|database\s+error|access\s+denied|403\s+forbidden|"
    r"^\s*forbidden\s*$|^\s*error\s*$|an\s+error\s+(?:has\s+)?occurred|just\s+a\s+moment\.\.\.|"
    r"attention\s+required|are\s+you\s+a\s+robot|captcha|site\s+(?:is\s+)?(?:under\s+)?maintenance|"
    r"briefly\s+unavailable\s+for\s+scheduled\s+maintenance|account\s+suspended",
    re.I,
)
_ERROR_CLASS = re.compile(r"(?:^|\s)(?:error404|error-404|page-404|not-found|notfound|e404)(?:\s|$)", re.I)
_404_URL = re.compile(r"/(?:404|not-found|notfound|error)(?:\.html?|/)?(?:$|\?)", re.I)


@dataclass(frozen=True)
class PageProblem:
    """What is wrong with a page: outcome (``soft-404``, ``not-article``, ``bad-encoding``) and reason."""

    outcome: str
    reason: str


# compiled once and evaluated on the lxml tree (no parsel wrapper per result): every fetched page
_X_TITLE = XPath("//title//text()", smart_strings=False)
_X_H1 = XPath("//h1//text()", smart_strings=False)
_X_BODY_CLASS = XPath("//body/@class", smart_strings=False)
_X_CANONICAL = XPath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content", smart_strings=False)
_X_WORDS = XPath("//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]", smart_strings=False)


def _text(root: Any, xpath: XPath) -> str:
    return " ".join(t.strip() for t in xpath(root) if t.strip())


def _words(root: Any) -> int:
    return sum(count_words(t) for t in _X_WORDS(root))


def check_page(
    response: Response, *, min_bytes: int = 512, max_depth: int = 250, max_words: int = 200
) -> PageProblem | None:
    """What is wrong with an HTML ``response`` (see the module docstring), or ``None``.

    Title and heading signals only count on a short page (fewer than ``max_words`` words): a
    long story titled "Not found: ..." or "Route 404 closed" is an article.
    """
    body = response.body
    if not body.strip():
        return PageProblem("not-article", "empty")
    if looks_binary(body):
        return PageProblem("bad-encoding", "binary-as-html")
    if len(body.strip()) < min_bytes:
        return PageProblem("not-article", "tiny-body")
    if not isinstance(response, TextResponse):
        return None
    depth = response_too_deep(response, max_depth)
    if depth is not None:
        return PageProblem("not-article", "too-deep")
    root = response.selector.root
    if not hasattr(root, "iter"):
        return None
    title = _text(root, _X_TITLE)
    headings = _text(root, _X_H1)
    body_class = " ".join(_X_BODY_CLASS(root))
    if _ERROR_CLASS.search(body_class):
        return PageProblem("soft-404", "error-class")
    for link in _X_CANONICAL(root):
        if _404_URL.search(link.strip()):
            return PageProblem("soft-404", "canonical-404")
    not_found_title = bool(_NOT_FOUND.search(title))
    not_found_heading = bool(_NOT_FOUND.search(headings)) and len(headings) < 120
    error = bool(_ERROR_PAGE.search(title)) or (bool(_ERROR_PAGE.search(headings)) and len(headings) < 120)
    if not (not_found_title or not_found_heading or error) or _words(root) >= max_words:
        return None
    if not_found_title:
        return PageProblem("soft-404", "title")
    if not_found_heading:
        return PageProblem("soft-404", "heading")
    return PageProblem("not-article", "error-page")


class PageCheckMiddleware:
    """Drops and counts 200 HTML responses that are not pages worth keeping (module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.min_bytes = settings.getint("NEWSARCHIVE_PAGE_MIN_BYTES")
        self.max_depth = settings.getint("NEWSARCHIVE_HTML_MAX_DEPTH")
        self.max_words = settings.getint("NEWSARCHIVE_SOFT404_MAX_WORDS", 200)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCheckMiddleware:
        return cls(crawler)

    @staticmethod
    def _judged(response: Response) -> bool:
        """Only pages that claim to be HTML (not robots.txt, feeds, sitemaps, images)."""
        if response.status != 200:
            return False
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if ctype and "html" not in ctype:
            return False
        if not ctype and not isinstance(response, HtmlResponse):
            return False
        return not _XML_START.match(response.body[:512])

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if request.meta.get("dont_check_page") or not self._judged(response):
            return response
        problem = check_page(response, min_bytes=self.min_bytes, max_depth=self.max_depth, max_words=self.max_words)
        if problem is None:
            return response
        count(self.stats, problem.outcome, problem.reason, url=response.url)
        logger.info("Not archived (%s/%s): %s", problem.outcome, problem.reason, response.url)
        raise IgnoreRequest(f"{problem.outcome}/{problem.reason}: {response.url}")
