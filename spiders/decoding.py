"""Robust decoding and parsing: the right charset for HTML, safe XML for feeds and sitemaps.

* :func:`choose_encoding` picks the charset of an HTML body from its BOM, the HTTP header, the
  ``<meta>`` declaration and the bytes themselves, and says why when the declaration was wrong
  or unknown (a page declared UTF-8 but written in cp1252 is decoded as cp1252, not as U+FFFD).
  :class:`CharsetRepairMiddleware` applies it to every HTML response and counts
  ``bad-encoding/<reason>``.
* :func:`parse_xml_safely` parses a feed or sitemap with entity expansion, DTD loading and
  network access off and libxml2's size/depth limits on; an entity declaration (the shape of
  every entity bomb), an over-deep or truncated document raises :class:`BadFeed` with a reason
  instead of being silently cut short. ``.xml.gz`` bodies are inflated within a size limit.
* :func:`html_depth` measures how deep a parsed page nests, so an over-deep page is reported
  (``not-article/too-deep``) rather than silently cut by the HTML parser (libxml2 stops at 255
  levels in lxml's default parser, ~2,000 in Scrapy's selector).
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from scrapy.http import HtmlResponse, Response, TextResponse
from spiders.limits import SizeLimitExceeded, bounded_gunzip
from spiders.outcomes import count

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([^\s;\"',]+)", re.I)
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:()+-]+)", re.I
)
# Labels that browsers (WHATWG Encoding) map to another decoder than Python's codec of that name.
_WHATWG_ALIASES = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252", "ascii": "cp1252",
    "us-ascii": "cp1252", "iso8859-1": "cp1252", "iso_8859-1": "cp1252", "windows-1252": "cp1252",
    "x-cp1252": "cp1252", "iso-8859-9": "cp1254", "latin5": "cp1254", "tis-620": "cp874",
    "iso-8859-11": "cp874", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "shift_jis": "cp932", "x-sjis": "cp932",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-user-defined": "cp1252",
}


def normalize_charset(label: str | bytes | None) -> str | None:
    """The Python codec for a declared charset label (WHATWG aliases applied), or ``None`` if unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # UTF-16/32 without BOM declared in an ASCII-compatible page is a lie browsers ignore.
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return _WHATWG_ALIASES.get(name, name)


def bom_encoding(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def header_charset(content_type: str | bytes | None) -> str | None:
    """The raw ``charset=`` label of a Content-Type header value."""
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The raw charset label of ``<meta charset>`` / ``http-equiv`` in the first 4 KiB."""
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# The legacy encoding pages of a language are written in when they are not UTF-8 (the WHATWG
# fallback-by-locale idea): decides between look-alike single-byte code pages that byte
# statistics alone confuse (cp1252 vs cp1250 vs cp1257 for a page of accented Latin text).
_LANG_LEGACY = {
    **dict.fromkeys("en fr de es it pt nl sv da no nb nn fi is ga ca eu gl af sw id ms tl".split(), "cp1252"),
    **dict.fromkeys("cs pl hu sk sl hr ro bs sq".split(), "cp1250"),
    **dict.fromkeys("ru uk bg be mk sr".split(), "cp1251"),
    "el": "cp1253", "tr": "cp1254", "az": "cp1254", "he": "cp1255", "ar": "cp1256", "fa": "cp1256",
    "ur": "cp1256", "lt": "cp1257", "lv": "cp1257", "et": "cp1257", "vi": "cp1258", "th": "cp874",
    "zh": "gb18030", "ko": "cp949", "ja": "cp932",
}
_LATIN_SINGLE_BYTE = frozenset(
    "cp1250 cp1252 cp1254 cp1257 cp1258 latin_1 iso8859-2 iso8859-3 iso8859-4 iso8859-9 iso8859-10 "
    "iso8859-13 iso8859-14 iso8859-15 iso8859-16 mac-roman mac-latin2 mac-turkish mac-iceland cp850 cp437".split()
)
_HTML_LANG = re.compile(rb"<html[^>]*\slang\s*=\s*[\"']?\s*([A-Za-z]{2,3})", re.I)


def page_language(body: bytes) -> str | None:
    """The primary language subtag of ``<html lang>``, lower case."""
    match = _HTML_LANG.search(body[:8192])
    return match.group(1).decode("ascii").lower() if match else None


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detect(body: bytes) -> str:
    """Best guess from the bytes: strict UTF-8 if valid; else the legacy code page of the page's
    language if the bytes fit it; else charset-normalizer (cp1252 for any Latin single-byte guess,
    as browsers do); cp1252 when all else fails."""
    if _is_utf8(body):
        return "utf-8"
    legacy = _LANG_LEGACY.get(page_language(body) or "")
    if legacy and _decodes(body, legacy):
        return legacy
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:65536]).best()
    except Exception:  # noqa: BLE001 - detection is a best effort
        best = None
    guess = normalize_charset(best.encoding) if best is not None else None
    if guess is None or guess == "utf-8":
        return "cp1252"
    if guess in _LATIN_SINGLE_BYTE and _decodes(body, "cp1252"):
        return "cp1252"
    return guess


@dataclass(frozen=True)
class EncodingChoice:
    """The encoding to decode with, what was declared, and why they differ (``None``: they agree)."""

    encoding: str
    declared: str | None
    reason: str | None = None


def choose_encoding(body: bytes, content_type: str | bytes | None = None) -> EncodingChoice:
    """Pick the charset of an HTML ``body`` (see the module docstring).

    Precedence: BOM; then the header's declaration, else the ``<meta>`` one, trusted only if the
    bytes agree (strict decode); an unknown or missing declaration falls back to detection.
    Reasons: ``unknown-charset``, ``undeclared``, ``declared-utf-8-is-<enc>``,
    ``declared-<enc>-is-utf-8``, ``declared-<enc>-invalid``.
    """
    bom = bom_encoding(body)
    if bom:
        return EncodingChoice(bom, bom)
    raw = header_charset(content_type) or meta_charset(body)
    declared = normalize_charset(raw)
    if raw and declared is None:
        return EncodingChoice(_detect(body), raw, "unknown-charset")
    if declared is None:
        detected = _detect(body)
        return EncodingChoice(detected, None, None if detected == "utf-8" else "undeclared")
    if declared == "utf-8":
        if _is_utf8(body):
            return EncodingChoice("utf-8", declared)
        detected = _detect(body)
        return EncodingChoice(detected, declared, f"declared-utf-8-is-{detected}")
    # A single-byte declaration decodes anything; UTF-8 multi-byte sequences that decode
    # cleanly are the sign it is wrong (the reverse of the usual mojibake).
    if not body.isascii() and _is_utf8(body) and declared in {"cp1252", "iso8859-15", "cp1250", "cp1251", "iso8859-2"}:
        return EncodingChoice("utf-8", declared, f"declared-{declared}-is-utf-8")
    try:
        body.decode(declared)
    except UnicodeDecodeError:
        detected = _detect(body)
        return EncodingChoice(detected, declared, f"declared-{declared}-invalid")
    except LookupError:  # pragma: no cover - normalize_charset looked it up
        return EncodingChoice(_detect(body), raw, "unknown-charset")
    return EncodingChoice(declared, declared)


_BINARY_MAGIC = (
    b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"PK\x03\x04", b"\x1f\x8b", b"BZh",
    b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!", b"\x00\x00\x01\x00", b"RIFF", b"OggS", b"fLaC", b"ID3",
    b"\x7fELF", b"MZ", b"\xd0\xcf\x11\xe0", b"wOFF", b"wOF2", b"\x00\x01\x00\x00\x00", b"%!PS",
)


def looks_binary(body: bytes) -> bool:
    """Binary content: a known file signature, NUL bytes, or mostly control characters
    (UTF-16/32 text with its BOM is text)."""
    if bom_encoding(body):
        return False
    head = body[:1024].lstrip()
    if head.startswith(_BINARY_MAGIC):
        return True
    sample = body[:1024]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.1


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


GZIP_MAGIC = b"\x1f\x8b"
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
    if body[:2] == GZIP_MAGIC:
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
    strict = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False, remove_pis=True
    )
    try:
        root = etree.fromstring(body, parser=strict)
    except etree.XMLSyntaxError as exc:
        message = str(exc).lower()
        for needle, reason in _FATAL_MESSAGES:
            if needle in message:
                raise BadFeed(reason, str(exc)) from None
        if not recover_minor:
            raise BadFeed("not-xml", str(exc)) from None
        if not _root_closed(body, len(prolog)):
            raise BadFeed("truncated", str(exc)) from None
        lenient = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True, remove_pis=True
        )
        try:
            root = etree.fromstring(body, parser=lenient)
        except etree.XMLSyntaxError as exc2:
            raise BadFeed("not-xml", str(exc2)) from None
        if root is None:
            raise BadFeed("not-xml", str(exc)) from None
        for error in lenient.error_log:
            text = error.message.lower()
            for needle, reason in _FATAL_MESSAGES:
                if needle in text:
                    raise BadFeed(reason, error.message) from None
        logger.debug("recovered minor XML errors: %s", exc)
    if root is None:
        raise BadFeed("not-xml")
    return root


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
    depth = html_depth(root, stop_at=max_depth)
    return depth if depth > max_depth else None
