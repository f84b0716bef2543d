"""Article extraction: the article, not the page.

One pass per page:

1. guard the input (empty, binary, too large, too deep) so garbage costs bounded time;
2. parse once with lxml;
3. when the source keeps them, take the reader comments out (:mod:`pipelines.extract.reader_comments`);
4. delete every widget container (:func:`pipelines.extract.widgets.find_widgets`, one tree walk) and
   every comment list recognised by its structure (:mod:`pipelines.extract.comment_lists`);
5. read the metadata (:mod:`pipelines.extract.metadata`) from what is left, so no commenter or comment
   date is taken for the article's;
6. hand the pruned tree to ``trafilatura.bare_extraction`` with comments excluded;
7. clean the text (:func:`pipelines.extract.clean.clean_text`): widget lines that survived, trailers; drop a
   first line repeating the headline and a byline line (both have fields of their own);
8. decide whether it is an article at all (listing pages, too few words).

:func:`extract_with_reason` never raises: a page that is not an article comes back as ``None`` with
a short reason slug the crawler counts (see :data:`REASONS`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from copy import copy
from dataclasses import dataclass

import trafilatura
from lxml.etree import ElementDefaultClassLookup
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, document_fromstring
from trafilatura.settings import Extractor
from trafilatura.utils import handle_compressed_file, repair_faulty_html

from pipelines.config import Cleaning
from pipelines.extract.clean import clean_text, strip_title
from pipelines.extract.comment_lists import find_comment_lists
from pipelines.extract.decoding import bom_encoding, decode_html
from pipelines.extract.metadata import page_metadata
from pipelines.extract.reader_comments import comment_from_block, extract_comments
from pipelines.extract.widgets import find_widgets, normalise_line
from pipelines.models import Article
from pipelines.text import count_words

LOGGER = logging.getLogger(__name__)

#: Pages larger than this many characters (or bytes) are refused with reason ``too-large``.
#: A news article page is well under 2 MB even with inline scripts; refusing beats truncating,
#: which would silently archive half an article. Override with ``NEWSARCHIVE_MAX_HTML_CHARS``.
DEFAULT_MAX_HTML_CHARS = 8_000_000
#: Fewer words than this after cleaning and the page is not an article (``too-short``);
#: a source overrides it with ``cleaning.min_words``.
DEFAULT_MIN_WORDS = 25

#: Every reason an extraction may give for returning no article.
REASONS = {
    "empty": "no content at all",
    "not-html": "binary data or text that is not HTML",
    "too-large": "larger than the configured maximum",
    "too-deep": "nesting deeper than the parser's limit (256): the tree would be cut",
    "not-article": "a listing (archive, tag, category, author, search, home or section page) or an about page",
    "no-main-text": "no main text found",
    "too-short": "fewer words than the minimum",
    "extractor-error": "the extractor failed (logged)",
}

# Share of control characters in the first bytes above which the input is binary, not HTML.
_BINARY_SHARE = 0.02
_SNIFF = 4096
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_BY_PREFIX = re.compile(r"(?:by|par|von|por|di|door|بقلم)\s", re.IGNORECASE)
_local = threading.local()
# Every element is a plain HtmlElement, chosen in C. lxml.html's own lookup is a Python method called
# for every element proxy created (by us, trafilatura and htmldate alike: over a million calls on a
# few hundred pages) only to give form fields classes with form helpers nobody here uses.
_CLASS_LOOKUP = ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
)


@dataclass(frozen=True)
class ExtractionResult:
    """An article, or ``None`` with the reason the page is not one."""

    article: Article | None
    reason: str | None = None


class NotAnArticle(ValueError):
    """The page is not an article; ``args[0]`` is the reason slug (one of :data:`REASONS`)."""


def _max_chars() -> int:
    try:
        return int(os.environ.get("NEWSARCHIVE_MAX_HTML_CHARS", DEFAULT_MAX_HTML_CHARS))
    except ValueError:
        return DEFAULT_MAX_HTML_CHARS


def _parser() -> HTMLParser:
    # lxml parsers keep state (error log): one per thread. huge_tree stays off, so libxml2 stops at
    # depth 256 and says so in the error log instead of recursing through a hostile page.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = HTMLParser(
            collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True, huge_tree=False
        )
        parser.set_element_class_lookup(_CLASS_LOOKUP)
    return parser


def _looks_binary(text: str) -> bool:
    head = text[:_SNIFF]
    return len(_CONTROL.findall(head)) > _BINARY_SHARE * len(head)


def _decode(data: bytes, limit: int) -> str:
    """Bytes to text: compressed bodies inflated (bounded against bombs), then the project's one
    charset decoder (:func:`pipelines.extract.decoding.decode_html`: BOM, declared charset checked
    against the bytes, detection), the same the crawler uses."""
    if bom_encoding(data) is None:
        data = handle_compressed_file(data, limit)
        if b"\x00" in data[:_SNIFF]:
            raise NotAnArticle("not-html")
    return decode_html(data)


def parse_html(html: str | bytes, max_chars: int | None = None) -> HtmlElement:
    """Parse a page into an lxml tree, or raise :class:`NotAnArticle` saying why it cannot be one."""
    limit = max_chars or _max_chars()
    if not html:
        raise NotAnArticle("empty")
    if len(html) > limit:
        raise NotAnArticle("too-large")
    if isinstance(html, bytes):
        html = _decode(html, limit)
        if len(html) > limit:
            raise NotAnArticle("too-large")
    if not html.strip():
        raise NotAnArticle("empty")
    if _looks_binary(html) or "<" not in html[: 64 * 1024]:
        raise NotAnArticle("not-html")
    html = repair_faulty_html(html, html[:50].lower())
    parser = _parser()
    try:
        tree = document_fromstring(html, parser=parser)
    except ValueError:  # a str that declares its own encoding: let lxml read the bytes
        tree = document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except Exception as exc:  # noqa: BLE001 - lxml raises ParserError on documents it gives up on
        LOGGER.debug("lxml could not parse the page: %s", exc)
        raise NotAnArticle("not-html") from None
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        raise NotAnArticle("too-deep")
    return tree


def _drop(elements: list[HtmlElement]) -> int:
    removed = 0
    for element in elements:
        if element.getparent() is not None:
            element.drop_tree()  # its tail text stays
            removed += 1
    return removed


def remove_widgets(tree: HtmlElement) -> int:
    """Delete every widget container from ``tree`` in place (tails kept), then the comment lists
    recognised by their structure (:mod:`pipelines.extract.comment_lists`); returns how many."""
    removed = _drop(find_widgets(tree))
    return removed + _drop(find_comment_lists(tree))


def _without_header(text: str, title: str | None, authors: list[str]) -> str:
    """The text without leading lines that repeat the title or are the byline ("By NAME …").

    Both have fields of their own; a byline line is only dropped when it names an author found
    in the page's metadata and is short, so an opening sentence starting with "By" stays.
    """
    text = strip_title(text, title)
    first, _, rest = text.partition("\n")
    if len(first) < 120 and _BY_PREFIX.match(first):
        line = normalise_line(first)
        if any(n and n in line for n in map(normalise_line, authors)):
            return strip_title(rest.lstrip("\n"), title)
    return text


# trafilatura's options, built once: bare_extraction would read them from its ConfigParser on every
# call (~0.15 ms a page); trafilatura copies a shared Extractor before it changes anything in it.
_OPTIONS = Extractor(output_format="python", comments=False, with_metadata=False)


def _trafilatura_options(url: str | None) -> Extractor:
    """:data:`_OPTIONS` for one page (``url`` and ``source`` are per page)."""
    options = copy(_OPTIONS)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def _extract(html: str | bytes, url: str | None, keep_comments: bool, rules: Cleaning | None) -> Article:
    tree = parse_html(html)
    comments = extract_comments(tree) if keep_comments else []
    _drop(find_widgets(tree))
    blocks = find_comment_lists(tree)
    if keep_comments:  # comments found by their structure are kept too, in page order after the others
        comments += [c for c in map(comment_from_block, blocks) if c is not None]
    _drop(blocks)
    # after the widgets are gone, so a commenter is never taken for the author nor a comment's date
    # for the article's
    meta = page_metadata(tree, url)
    doc = trafilatura.bare_extraction(tree, url=url, options=_trafilatura_options(url))
    if doc is None or not (doc.text or "").strip():
        raise NotAnArticle("no-main-text")
    text = _without_header(clean_text(doc.text, rules), meta.title if meta.title_stated else None, meta.authors)
    if meta.is_listing(text, tree):
        raise NotAnArticle("not-article")
    min_words = rules.min_words if rules is not None and rules.min_words is not None else DEFAULT_MIN_WORDS
    if count_words(text) < max(min_words, 1):
        raise NotAnArticle("too-short")
    return Article(url=url or meta.canonical_url or "", text=text, comments=comments, **meta.article_fields())


def extract_with_reason(
    html: str | bytes,
    url: str | None = None,
    *,
    keep_comments: bool = False,
    rules: Cleaning | None = None,
) -> ExtractionResult:
    """Extract the article in ``html`` (fetched from ``url``); never raises.

    ``keep_comments`` puts reader comments in ``Article.comments`` (never in the text);
    ``rules`` are the source's cleaning rules. Without an article, ``reason`` is one of
    :data:`REASONS`.
    """
    try:
        return ExtractionResult(_extract(html, url, keep_comments, rules))
    except NotAnArticle as refused:
        return ExtractionResult(None, refused.args[0])
    except Exception as exc:  # noqa: BLE001 - the API never raises past this point
        LOGGER.warning("extraction failed for %s: %s: %s", url or "<html>", type(exc).__name__, exc)
        return ExtractionResult(None, "extractor-error")


def extract(html: str | bytes, url: str | None = None) -> Article | None:
    """The article in ``html``, or ``None`` for a page that is not an article."""
    return extract_with_reason(html, url).article
