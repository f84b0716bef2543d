"""Bytes to text: the one charset decoder, used by the extractor and by the crawler alike.

:func:`choose_encoding` picks the charset of an HTML body from its byte-order mark, the HTTP
header, the ``<meta>`` declaration and the bytes themselves, and says why when the declaration was
wrong or unknown (a page declared UTF-8 but written in cp1252 is decoded as cp1252, not as U+FFFD; a
page declaring ``iso-8859-2`` is read as ISO-8859-2). :func:`decode_html` applies it.
:func:`looks_binary` tells a file that is not text at all. The crawler's
``spiders.decoding.CharsetRepairMiddleware`` is a thin Scrapy wrapper over :func:`choose_encoding`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: same first two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([^\s;\"',]+)", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:()+-]+)", re.IGNORECASE
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
_HTML_LANG = re.compile(rb"<html[^>]*\slang\s*=\s*[\"']?\s*([A-Za-z]{2,3})", re.IGNORECASE)


def page_language(body: bytes) -> str | None:
    """The primary language subtag of ``<html lang>``, lower case."""
    match = _HTML_LANG.search(body[:8192])
    return match.group(1).decode("ascii").lower() if match else None


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 with a few stray bytes (a template or an ad snippet pasted in another code page): at
    least ten valid multi-byte sequences for every invalid byte. Such a page is UTF-8; reading it
    as cp1252 would turn every accented letter of the article into mojibake."""
    valid = len(_UTF8_SEQUENCE.findall(body))
    invalid = body.decode("utf-8", errors="replace").count("\ufffd")
    return valid >= 4 and invalid * 10 <= valid


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
    if _is_utf8(body) or _mostly_utf8(body):
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
    A page that is UTF-8 but for a few stray bytes stays UTF-8 (``declared-utf-8-has-stray-bytes``).
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
        if _mostly_utf8(body):
            return EncodingChoice("utf-8", declared, "declared-utf-8-has-stray-bytes")
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


#: The gzip signature (RFC 1952): a ``.xml.gz`` sitemap, or a body compressed twice.
GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(body: bytes) -> bool:
    """Whether ``body`` is a gzip file (not a ``Content-Encoding``: the bytes themselves)."""
    return body[:2] == GZIP_MAGIC


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
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return bool(sample) and controls / len(sample) > 0.1


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


def decode_html(body: bytes, content_type: str | bytes | None = None) -> str:
    """``body`` as text, in the encoding :func:`choose_encoding` picks (undecodable bytes replaced)."""
    encoding = choose_encoding(body, content_type).encoding
    text = body.decode(encoding, errors="replace")
    return text.removeprefix("\ufeff")
