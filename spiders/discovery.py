"""Where article URLs come from: feeds (RSS/Atom/RDF), sitemaps (index, urlset, Google News,
``.xml.gz``) and links on start pages, filtered by a source's allow/deny rules and domains.

Whatever way a document was reached, :func:`sniff` decides what it is from its content type
*and* its bytes, so a sitemap first met as a page link is still parsed as a sitemap.
Parsing never fetches anything (no DTDs, no entities) and is bounded in size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal, TypeVar
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipelines.config import Source
from pipelines.dates import parse_datetime as parse_date
from pipelines.extract.decoding import is_gzip

Kind = Literal["sitemap", "feed", "html", "other"]

T = TypeVar("T")  # what a read of a feed or sitemap returns (see _read_xml)

_ROOT_TAG = re.compile(rb"<\s*([A-Za-z_][\w.:-]*)[\s>/]")
_SKIP_EXTENSIONS = frozenset(
    "jpg jpeg png gif webp svg ico bmp tif tiff avif mp3 mp4 m4a ogg oga webm mov avi wav flac "
    "pdf zip gz tgz bz2 xz 7z rar tar exe dmg apk iso css js json woff woff2 ttf eot doc docx "
    "xls xlsx ppt pptx odt csv".split()
)


class DiscoveryError(ValueError):
    """A feed or sitemap could not be parsed (the message says why, in one line)."""


@dataclass(frozen=True, slots=True)
class Found:
    """A URL discovered in a feed or sitemap, with what the document said about it."""

    url: str
    kind: Literal["page", "sitemap"] = "page"
    updated: datetime | None = None
    #: what listed it: ``feed``, ``news-sitemap`` (a Google News entry) or ``sitemap``
    listed_by: str = "sitemap"


def _root_name(head: bytes) -> bytes | None:
    """Local name of the first element of an XML document (skipping prolog, comments, PIs)."""
    pos = 0
    while True:
        match = _ROOT_TAG.search(head, pos)
        if not match:
            return None
        name = match.group(1)
        if name.startswith((b"!", b"?")):
            pos = match.end()
            continue
        return name.split(b":")[-1].lower()


def sniff(body: bytes, content_type: str = "", url: str = "") -> Kind:
    """What a fetched document is: ``sitemap``, ``feed``, ``html`` or ``other``.

    The bytes decide when they are XML (root element ``urlset``/``sitemapindex`` or
    ``rss``/``feed``/``RDF``); the content type and URL only break ties. ``body`` must
    already be gunzipped (see :func:`maybe_gunzip`).
    """
    ctype = content_type.split(";")[0].strip().lower()
    head = body[:4096].lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    looks_xml = head.startswith(b"<?xml") or ctype.endswith(("xml", "+xml"))
    if looks_xml or head.startswith((b"<urlset", b"<sitemapindex", b"<rss", b"<feed", b"<rdf")):
        root = _root_name(head)
        if root in (b"urlset", b"sitemapindex"):
            return "sitemap"
        if root in (b"rss", b"feed", b"rdf"):
            return "feed"
        if root == b"html":
            return "html"
        if looks_xml and not ctype.startswith("text/html"):
            return "other"
    if ctype in ("text/html", "application/xhtml+xml") or b"<html" in head.lower() or b"<!doctype html" in head.lower():
        return "html"
    if not ctype and not head:
        return "other"
    path = urlsplit(url).path.lower()
    if not ctype and (path.endswith((".html", ".htm", "/")) or "." not in path.rsplit("/", 1)[-1]):
        return "html"
    return "other"


def maybe_gunzip(body: bytes, max_size: int) -> bytes:
    """The body, gunzipped when it is a gzip file (``sitemap.xml.gz``), at most ``max_size`` bytes.

    Raises :class:`DiscoveryError` when it is corrupt or larger than ``max_size`` once expanded.
    """
    if not is_gzip(body):
        return body
    import zlib

    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decomp.decompress(body, max_size + 1)
    except zlib.error as exc:
        raise DiscoveryError(f"corrupt gzip: {exc}") from None
    if len(out) > max_size or decomp.unconsumed_tail:
        raise DiscoveryError(f"gzip expands beyond {max_size} bytes")
    return out


#: The sitemaps.org protocol's limit on one sitemap: 50,000 URLs (and 50 MB, see
#: ``NEWSARCHIVE_FEED_MAX_BYTES``). Entries past it are not read (counted as left behind).
SITEMAP_MAX_URLS = 50_000

# A "&" that starts no character or entity reference: the commonest feed error ("Q&A", "?a=1&b=2").
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});)")
_NAMED_REF = re.compile(rb"&([A-Za-z][A-Za-z0-9]{0,31});")
_XML_NAMES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def repair_references(body: bytes) -> bytes:
    """``body`` with bare ``&`` escaped as ``&amp;`` and HTML named references (``&nbsp;``) written
    as character references, so a strict XML parse keeps every well-formed ``&amp;``.

    (A recovering parse of the unrepaired document drops the bare ``&`` *and* mangles the text
    around it: ``?id=4411&amp;section=x`` came out as ``?id=4411=x``.) Unknown names become
    ``&amp;name;``. No entity is expanded, the output grows by at most 4 bytes per ``&``.
    """
    from html.entities import name2codepoint

    def named(match: re.Match[bytes]) -> bytes:
        name = match.group(1)
        if name in _XML_NAMES:
            return match.group(0)
        code = name2codepoint.get(name.decode("ascii"))
        return b"&#%d;" % code if code is not None else b"&amp;" + name + b";"

    return _NAMED_REF.sub(named, _BARE_AMPERSAND.sub(b"&amp;", body))


def _parse_xml(body: bytes) -> tuple[etree._Element, bool]:
    """The root element, and whether the document needed repair to be read (see :func:`_read_xml`)."""
    from spiders.decoding import parse_xml_safely

    return _read_xml(body, lambda doc, repaired: (parse_xml_safely(doc, max_size=0, recover_minor=repaired), repaired))


def _read_xml(body: bytes, read: Callable[[bytes, bool], T]) -> T:
    """``read(body, False)``: a strict read; when the document is not well-formed, ``read`` again
    with ``True`` on the body after :func:`repair_references` (a recovering read only after that).

    Entity declarations (bombs), over-deep and truncated documents are refused, not silently cut
    (spiders.decoding): its :class:`~spiders.decoding.BadFeed` becomes a :class:`DiscoveryError`.
    The size was already bounded by maybe_gunzip.
    """
    from spiders.decoding import BadFeed

    try:
        return read(body, False)
    except BadFeed as exc:
        if exc.reason != "not-xml":
            raise DiscoveryError(f"bad XML ({exc.reason}){': ' + exc.detail if exc.detail else ''}") from None
    try:
        return read(repair_references(body), True)
    except BadFeed as exc:
        raise DiscoveryError(f"bad XML ({exc.reason}){': ' + exc.detail if exc.detail else ''}") from None


def _xml_base(element: etree._Element, document_url: str) -> str:
    """The base URL of ``element``: the document URL with every ``xml:base`` from the root down applied."""
    chain = [element, *element.iterancestors()]
    base = document_url
    for node in reversed(chain):
        value = node.get(_XML_BASE)
        if value:
            base = urljoin(base, value.strip())
    return base


@dataclass
class Listing:
    """What one feed or sitemap lists: its entries, whether it needed repair, entries not read."""

    found: list[Found]
    repaired: bool = False
    over_protocol_limit: int = 0


@lru_cache(maxsize=512)
def _local_name(tag: str) -> str:
    return etree.QName(tag).localname.lower()


def _local(tag: object) -> str:
    return _local_name(tag) if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> Iterable[etree._Element]:
    return (child for child in element if _local(child.tag) == name)


def _text_of(element: etree._Element, *names: str) -> str | None:
    """Text of the first descendant named one of ``names`` (namespace-agnostic)."""
    for child in element.iter():
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_sitemap(body: bytes, base_url: str = "") -> list[Found]:
    """URLs of a sitemap index (``kind="sitemap"``) or urlset (``kind="page"``, with lastmod or
    the Google News publication date). Relative or non-http locations are dropped."""
    return read_sitemap(body, base_url).found


def read_sitemap(body: bytes, base_url: str = "", max_urls: int = SITEMAP_MAX_URLS) -> Listing:
    """:func:`parse_sitemap` with the facts around it: at most ``max_urls`` entries are read (the
    protocol's limit), the rest counted in ``over_protocol_limit``. Read one entry at a time
    (:func:`spiders.decoding.iterparse_safely`): the document's tree is never whole in memory.
    A document that is not well-formed gets :func:`repair_references` first and a recovering
    parse only after that (:func:`_read_xml`)."""
    if is_gzip(body):  # callers gunzip within their limit (maybe_gunzip); this one is a last resort
        body = maybe_gunzip(body, 50 * 1024 * 1024)  # the protocol's 50 MB
    head = body[:4096].lstrip()
    name = (_root_name(head[3:] if head.startswith(b"\xef\xbb\xbf") else head) or b"").decode("ascii", "replace")
    if name not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap (root element <{name or '?'}>)")
    return _read_xml(body, lambda doc, repaired: _read_sitemap_entries(doc, base_url, max_urls, name, repaired=repaired))


def _read_sitemap_entries(body: bytes, base_url: str, max_urls: int, name: str, *, repaired: bool) -> Listing:
    from spiders.decoding import RESTART, iterparse_safely

    listing = Listing([], repaired)
    entry_name, kind = ("sitemap", "sitemap") if name == "sitemapindex" else ("url", "page")
    # one pass over each entry's children: big sitemaps (50,000 entries) must read in about a second
    for entry in iterparse_safely(body, max_size=0, recover_minor=repaired, name=entry_name):
        if entry is RESTART:
            listing.found.clear()
            listing.over_protocol_limit = 0
            continue
        if max_urls and len(listing.found) >= max_urls:
            listing.over_protocol_limit += 1
            continue
        loc = lastmod = news = None
        for child in entry:
            local = _local(child.tag)
            if local == "loc" and loc is None:
                loc = (child.text or "").strip() or None
            elif local == "lastmod":
                lastmod = child.text
            elif local == "news":
                news = child
        if not loc:
            continue
        url = loc if loc.startswith(("http://", "https://")) else urljoin(base_url, loc)
        if not url.startswith(("http://", "https://")):
            continue
        news_date = parse_date(_text_of(news, "publication_date")) if news is not None else None
        updated = parse_date(lastmod) or news_date
        listing.found.append(Found(url, kind, updated, listed_by="news-sitemap" if news_date else "sitemap"))  # type: ignore[arg-type]
    return listing


def parse_feed(body: bytes, base_url: str = "") -> list[Found]:
    """Entry URLs of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, with their updated/published date."""
    return read_feed(body, base_url).found


def read_feed(body: bytes, base_url: str = "") -> Listing:
    """:func:`parse_feed` with whether the feed needed repair. Atom ``xml:base`` (on the feed, an
    entry or a link) is honoured; RSS links resolve against the feed's URL."""
    root, repaired = _parse_xml(body)
    name = _local(root.tag)
    found: list[Found] = []
    if name == "feed":  # Atom
        for entry in _children(root, "entry"):
            link_el = None
            for link in _children(entry, "link"):
                rel = (link.get("rel") or "alternate").lower()
                if rel == "alternate" and link.get("href"):
                    link_el = link
                    break
            if link_el is None:
                continue
            updated = parse_date(_text_of(entry, "updated", "published"))
            found.append(Found(urljoin(_xml_base(link_el, base_url), link_el.get("href", "").strip()), "page", updated, "feed"))
    elif name in ("rss", "rdf"):
        for item in root.iter():
            if _local(item.tag) != "item":
                continue
            link = next((c.text.strip() for c in _children(item, "link") if c.text and c.text.strip()), None)
            if not link:
                guid = next(iter(_children(item, "guid")), None)
                if guid is not None and guid.text and (guid.get("isPermaLink") or "true").lower() == "true":
                    link = guid.text.strip()
            if not link:
                continue
            updated = parse_date(_text_of(item, "pubdate", "date", "updated"))
            found.append(Found(urljoin(_xml_base(item, base_url), link), "page", updated, "feed"))
    else:
        raise DiscoveryError(f"not a feed (root element <{name}>)")
    return Listing([f for f in found if urlsplit(f.url).scheme in ("http", "https")], repaired)


class UrlRules:
    """A source's URL filter: allowed domains (and their subdomains), ``allow`` and ``deny`` regexes.

    ``deny`` always wins; ``allow`` (when given) must match for a followed link, but never
    blocks the source's own entry points, feed entries or sitemap entries.
    """

    def __init__(self, source: Source) -> None:
        self.domains = [d.lower().lstrip(".") for d in source.domains()]
        self.allow = [re.compile(p) for p in source.allow]
        self.deny = [re.compile(p) for p in source.deny]

    def in_domain(self, url: str) -> bool:
        """True when the URL's host is one of the allowed domains or a subdomain of one."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def denied(self, url: str) -> bool:
        """True when a ``deny`` pattern matches the URL."""
        return any(p.search(url) for p in self.deny)

    def allowed(self, url: str, *, listed: bool = False) -> bool:
        """Whether to fetch ``url``. ``listed`` is True for URLs a feed or sitemap of the source
        named (the ``allow`` list only narrows link following)."""
        if urlsplit(url).scheme not in ("http", "https") or not self.in_domain(url) or self.denied(url):
            return False
        if listed or not self.allow:
            return True
        return any(p.search(url) for p in self.allow)


def skip_by_extension(url: str) -> bool:
    """True for links to media, archives, scripts and office documents (never articles)."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    if "." not in last:
        return False
    ext = last.rsplit(".", 1)[-1].lower()
    if ext == "gz" and last.lower().endswith(".xml.gz"):
        return False
    return ext in _SKIP_EXTENSIONS
