"""Reader comments as records of their own (author, date, text), for sources that keep them.

Works on the server-rendered comment markup of WordPress core themes, Blogger, TypePad/Movable
Type and schema.org ``Comment`` microdata. Threads injected by JavaScript (Disqus, Facebook,
Commento) are not in the HTML and cannot be kept. A date is only read from a machine-readable
attribute or from the usual "January 14, 2020 at 10:12 AM" label; otherwise it is ``None``.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from lxml.etree import XPath
from lxml.html import HtmlElement

from pipelines.dates import parse_datetime
from pipelines.extract.clean import clean_text
from pipelines.extract.comment_lists import name_element
from pipelines.models import Comment

LOGGER = logging.getLogger(__name__)


def _class_test(*names: str) -> str:
    return " or ".join(f'contains(concat(" ", normalize-space(@class), " "), " {name} ")' for name in names)


# The element holding one comment's text.
_TEXT_CLASSES = ("comment-content", "comment-text", "comment_text", "comment-entry", "wpd-comment-text", "dsq-comment-message")
_CONTENT = XPath(
    f".//*[{_class_test(*_TEXT_CLASSES)}]"
    f"|.//*[{_class_test('comment-body')}][not(.//*[{_class_test('comment-content', 'comment-text')}])]"
    '|.//*[contains(@itemtype, "schema.org/Comment")]//*[@itemprop="text"]'
)
# Where its author and date sit, searched from the text upwards (never into replies below it).
# Most specific first: WordPress wraps the name (``.fn``) and "says:" in ``.comment-author``.
_AUTHORS = (
    XPath(f".//*[{_class_test('fn', 'user', 'comment-author-name', 'wpd-comment-author', 'username')}]"),
    XPath(f'.//*[@itemprop="author"]|.//*[{_class_test("comment-author")}]|.//cite'),
)
_DATE_ATTR = XPath(
    './/time/@datetime|.//*[@itemprop="datePublished" or @itemprop="dateCreated"]/@content'
    '|.//*[@itemprop="datePublished" or @itemprop="dateCreated"]/@datetime'
)
# "April 10, 2022 at 12:26 PM" (Blogger, TypePad, WordPress) or "16 May 2023 8:14 am" (wpDiscuz).
_DATE_LABEL = re.compile(
    r"(?:(?P<m1>[A-Z][a-z]+)\.? (?P<d1>\d{1,2}),? (?P<y1>\d{4})|(?P<d2>\d{1,2}) (?P<m2>[A-Z][a-z]+)\.?,? (?P<y2>\d{4}))"
    r"(?:,? (?:at |@ )?(?P<clock>\d{1,2}:\d{2})\s*(?P<ampm>[AaPp][Mm])?)?"
)
_POSTED_BY = re.compile(r"Posted by:\s*(.+?)\s*\|")
_SAYS = re.compile(r"\s*(?:says|dit|sagt|dice|schreibt|قال|يقول)\s*:?\s*$", re.IGNORECASE)

# How far up from a comment's text its header may sit (WordPress: 1, Blogger: 1-2, TypePad: 1).
_MAX_LEVELS = 3


def _label_date(text: str) -> datetime | None:
    """A date from an English comment label, read as UTC (the label carries no zone)."""
    match = _DATE_LABEL.search(text)
    if not match:
        return None
    parts = match.groupdict()
    day = f"{parts['m1'] or parts['m2']} {parts['d1'] or parts['d2']} {parts['y1'] or parts['y2']}"
    clock = f" {parts['clock']}{(parts['ampm'] or '').upper()}" if parts["clock"] else ""
    time_format = (" %I:%M%p" if parts["ampm"] else " %H:%M") if clock else ""
    for month in ("%B", "%b"):
        try:
            return datetime.strptime(day + clock, f"{month} %d %Y{time_format}").replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _header(content: HtmlElement) -> tuple[str | None, datetime | None]:
    """Author and date of the comment whose text is ``content``."""
    node = content
    for _ in range(_MAX_LEVELS):
        parent = node.getparent()
        if parent is None:
            break
        node = parent
        authors = [a for xpath in _AUTHORS for a in xpath(node) if not any(x is content for x in a.iterancestors())]
        footer_text = node.text_content() if not authors else ""
        posted = _POSTED_BY.search(footer_text) if footer_text else None
        if authors or posted:
            author = _SAYS.sub("", authors[0].text_content()).strip() if authors else posted.group(1)
            dates = [parse_datetime(v) for v in _DATE_ATTR(node)]
            published = next((d for d in dates if d), None) or _label_date(
                node.text_content().replace(content.text_content(), " ")
            )
            return " ".join(author.split()) or None, published
    return None, None


def comment_from_block(block: HtmlElement) -> Comment | None:
    """A comment found by its structure (:mod:`pipelines.extract.comment_lists`) as a record:
    the name shown in it, the ``datetime`` of its ``<time>`` or an English date
    label, its paragraphs (or its whole text) as text."""
    name = name_element(block)
    author = " ".join(name.text_content().split()) if name is not None else None
    times = [parse_datetime(t.get("datetime")) for t in block.iter("time")]
    published = next((t for t in times if t), None) or _label_date(block.text_content())
    paragraphs = [p.text_content() for p in block.iter("p")]
    text = clean_text("\n".join(paragraphs) if paragraphs else block.text_content())
    return Comment(author=author or None, published=published, text=text) if text else None


def extract_comments(tree: HtmlElement) -> list[Comment]:
    """The reader comments found in ``tree``, in page order; never raises."""
    comments: list[Comment] = []
    try:
        for content in _CONTENT(tree):
            paragraphs = content.findall(".//p") or [content]
            text = clean_text("\n".join(p.text_content() for p in paragraphs))
            if not text:
                continue
            author, published = _header(content)
            comments.append(Comment(author=author, published=published, text=text))
    except Exception as exc:  # noqa: BLE001 - comments are a bonus, never a reason to lose the article
        LOGGER.warning("reader comments not extracted: %s", exc)
    return comments
