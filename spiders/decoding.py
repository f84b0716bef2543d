"""Robust decoding and parsing: the right charset for HTML, safe XML for feeds and sitemaps.

* :class:`CharsetRepairMiddleware` applies the one charset decoder of the project
  (:func:`pipelines.extract.decoding.choose_encoding`, shared with the extractor) to every HTML
  response and counts ``bad-encoding/<reason>``.
* :func:`parse_xml_safely` parses a feed or sitemap with entity expansion, DTD loading and
  network access off and libxml2's size/depth limits on; an entity declaration (the shape of
  every entity bomb), an over-deep or truncated document raises :class:`BadFeed` with a reason
  instead of being silently cut short. ``.xml.gz`` bodies are inflated within a size limit.
  :func:`iterparse_safely` does the same for a big sitemap one entry at a time.
* :func:`html_depth` measures how deep a parsed page nests, so an over-deep page is reported
  (``not-article/too-deep``) rather than silently cut by the HTML parser (libxml2 stops at 255
  levels in lxml's default parser, ~2,000 in Scrapy's selector).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import lru_cache
from io import BytesIO
from typing import TYPE_CHECKING, Any

from lxml import etree
from scrapy.http import HtmlResponse, Response, TextResponse

from pipelines.extract.decoding import choose_encoding, is_gzip, looks_binary
from spiders.limits import SizeLimitExceeded, bounded_gunzip
from spiders.outcomes import count

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CharsetRepairMiddleware:
    """Downloader middleware (580, after decompression) re-decoding HTML whose charset was wrong."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetRepairMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if not isinstance(response, HtmlResponse) or not response.body or looks_binary(response.body):
            return response  # binary bodies are judged (and counted) by the page check
        choice = choose_encoding(response.body, response.headers.get(b"Content-Type"))
        if choice.reason is None:
            return response
        count(self.stats, "bad-encoding", choice.reason, url=response.url)
        logger.info("Charset of %s: %s (%s)", response.url, choice.encoding, choice.reason)
        if choice.encoding == response.encoding:
            return response
        return response.replace(encoding=choice.encoding)


# --- XML -------------------------------------------------------------------------------------------


class BadFeed(ValueError):
    """A feed or sitemap that must not be trusted; ``reason`` is a short stable word."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_FATAL_MESSAGES = (
    ("excessive depth", "too-deep"),
    ("entity reference loop", "entity-loop"),
    ("amplification", "entity-bomb"),
    ("huge", "too-large"),
    ("memory", "too-large"),
    ("extra content at the end", "trailing-content"),
    ("premature end of data", "truncated"),
    ("eof", "truncated"),
)


def _prolog(body: bytes) -> bytes:
    """The bytes before the root element (where a DOCTYPE and its internal subset live)."""
    pos = 0
    while True:
        start = body.find(b"<", pos)
        if start < 0 or start + 1 >= len(body):
            return body
        nxt = body[start + 1 : start + 2]
        if nxt in (b"?", b"!"):
            if body.startswith(b"<!DOCTYPE", start) or body.startswith(b"<!doctype", start):
                # the internal subset ends at "]>" (or the DOCTYPE at ">" when there is none)
                end = body.find(b"]>", start)
                close = body.find(b">", start)
                bracket = body.find(b"[", start)
                pos = end + 2 if bracket >= 0 and (close < 0 or bracket < close) and end >= 0 else close + 1
            else:
                pos = body.find(b">", start) + 1
            if pos <= 0:
                return body
            continue
        return body[:start]


_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def _root_closed(body: bytes, start: int) -> bool:
    """True when the document ends with the end tag of its root element (it was not cut short)."""
    match = _NAME.match(body, start) or _NAME.search(body, start)
    if not match:
        return False
    tail = body.rstrip()
    if tail.endswith(b"/>") and body.find(b">", match.end()) == len(tail) - 1:
        return True  # an empty root element
    return re.search(rb"</\s*" + re.escape(match.group(1)) + rb"\s*>$", tail[-512:]) is not None


def parse_xml_safely(body: bytes, *, max_size: int = 50 * 1024 * 1024, recover_minor: bool = True) -> etree._Element:
    """Parse a feed or sitemap (gzipped or not) without trusting it; the root element.

    Raises :class:`BadFeed` with reason ``too-large`` (inflates past ``max_size``),
    ``bad-gzip``, ``entity-declaration`` (a DTD declaring entities: the entity-bomb shape),
    ``too-deep`` / ``entity-loop`` / ``truncated`` / ``trailing-content`` (libxml2 would have
    cut the document), ``empty`` or ``not-xml``. Minor well-formedness errors (an undefined
    ``&nbsp;``, a stray ``&``) are recovered when ``recover_minor`` is true, since many real
    feeds have them.
    """
    body, prolog = _checked(body, max_size)
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(**_XML_OPTIONS, recover=False))
    except etree.XMLSyntaxError as exc:
        _refuse(exc, body, prolog, recover_minor)
        lenient = etree.XMLParser(**_XML_OPTIONS, recover=True)
        try:
            root = etree.fromstring(body, parser=lenient)
        except etree.XMLSyntaxError as exc2:
            raise BadFeed("not-xml", str(exc2)) from None
        if root is None:
            raise BadFeed("not-xml", str(exc)) from None
        _refuse_recovered(lenient.error_log)
        logger.debug("recovered minor XML errors: %s", exc)
    if root is None:
        raise BadFeed("not-xml")
    return root


def iterparse_safely(
    body: bytes, *, max_size: int = 50 * 1024 * 1024, recover_minor: bool = True, name: str | None = None
) -> Iterator[etree._Element]:
    """The children of the root element of ``body`` (those with local name ``name``, in any
    namespace, when given), one at a time, with the guarantees and errors of
    :func:`parse_xml_safely` (:class:`BadFeed`, raised while iterating).

    For documents with many entries (a 50,000-URL sitemap): each child is complete when it is
    yielded and removed from the tree once the caller asks for the next, so the whole tree is
    never in memory (a 60,000-URL sitemap: ~60 MiB less at the peak). When the strict read fails
    on a minor error (and ``recover_minor``), :data:`RESTART` is yielded and the document is read
    again, leniently, from its first entry: the caller drops what it kept so far.
    """
    body, prolog = _checked(body, max_size)
    try:
        yield from _stream(body, recover=False, name=name)
        return
    except etree.XMLSyntaxError as exc:
        _refuse(exc, body, prolog, recover_minor)
        logger.debug("recovered minor XML errors: %s", exc)
    yield RESTART
    yield from _stream(body, recover=True, name=name)


#: yielded by :func:`iterparse_safely` when the strict read failed and the lenient read starts
#: over from the first entry: drop what was read so far
RESTART: Any = object()


def _stream(body: bytes, *, recover: bool, name: str | None) -> Iterator[etree._Element]:
    # a name filter leaves the other elements' events in libxml2 (three times fewer in a sitemap)
    tag = {"tag": "{*}" + name} if name else {}
    events = etree.iterparse(BytesIO(body), events=("end",), **_XML_OPTIONS, recover=recover, **tag)
    try:
        for _, element in events:
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # the root itself, or a grandchild: part of the entry that ends later
            yield element
            element.clear()
            while element.getprevious() is not None:  # the entries read so far leave the tree
                del parent[0]
    except etree.XMLSyntaxError as exc:
        if recover:
            raise BadFeed("not-xml", str(exc)) from None
        raise
    if recover:
        _refuse_recovered(events.error_log)
    if events.root is None:
        raise BadFeed("not-xml")


_XML_OPTIONS: dict[str, Any] = {
    "resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False, "remove_pis": True,
}


def _checked(body: bytes, max_size: int) -> tuple[bytes, bytes]:
    """The document (gunzipped, bounded, not empty, declaring no entities) and its prolog."""
    if is_gzip(body):
        try:
            body = bounded_gunzip(body, max_size)
        except SizeLimitExceeded as exc:
            raise BadFeed("too-large", str(exc)) from None
        except (OSError, EOFError) as exc:
            raise BadFeed("bad-gzip", str(exc)) from None
    elif max_size and len(body) > max_size:
        raise BadFeed("too-large", f"{len(body)} bytes")
    if not body.strip():
        raise BadFeed("empty")
    prolog = _prolog(body)
    if _DOCTYPE.search(prolog) and _ENTITY_DECL.search(prolog):
        raise BadFeed("entity-declaration", "the document declares entities (refused: entity bombs look like this)")
    return body, prolog


def _refuse(exc: etree.XMLSyntaxError, body: bytes, prolog: bytes, recover_minor: bool) -> None:
    """Raise :class:`BadFeed` unless a strict parse's ``exc`` is a minor error worth recovering."""
    message = str(exc).lower()
    for needle, reason in _FATAL_MESSAGES:
        if needle in message:
            raise BadFeed(reason, str(exc)) from None
    if not recover_minor:
        raise BadFeed("not-xml", str(exc)) from None
    if not _root_closed(body, len(prolog)):
        raise BadFeed("truncated", str(exc)) from None


def _refuse_recovered(error_log: Any) -> None:
    """Raise :class:`BadFeed` when a lenient parse recovered from an error that cuts documents."""
    for error in error_log:
        text = error.message.lower()
        for needle, reason in _FATAL_MESSAGES:
            if needle in text:
                raise BadFeed(reason, error.message) from None


# --- HTML depth ------------------------------------------------------------------------------------


def html_depth(root: Any, stop_at: int | None = None) -> int:
    """Deepest element nesting under ``root`` (an lxml element); stops counting past ``stop_at``."""
    deepest = 0
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_at is not None and deepest > stop_at:
                    return deepest
        else:
            depth -= 1
    return deepest


def response_too_deep(response: TextResponse, max_depth: int) -> int | None:
    """The nesting depth of a page when it exceeds ``max_depth``, else ``None``."""
    try:
        root = response.selector.root
    except Exception:  # noqa: BLE001 - an unparsable page is judged elsewhere
        return None
    if not hasattr(root, "iter"):
        return None
    if not _deeper_than(root, max_depth):
        return None
    return html_depth(root, stop_at=max_depth)


def _deeper_than(root: Any, limit: int) -> bool:
    """Whether an element nests more than ``limit`` levels deep (``root`` is level 1), in one
    XPath evaluation inside libxml2: ``*/*/…/*`` visits each level's elements once."""
    return limit < 1 or bool(_depth_xpath(limit)(root))


@lru_cache(maxsize=8)
def _depth_xpath(limit: int) -> etree.XPath:
    return etree.XPath("boolean(" + "/".join(["*"] * limit) + ")")
