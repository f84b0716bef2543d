"""Reader-comment lists recognised by their structure, whatever their ids and classes.

A theme that names nothing "comment" still renders a comment list the same way: sibling blocks that
each carry a person's name, a date and a reply link. :func:`find_comment_lists` finds such blocks
(at least two siblings, or one under a comment heading), so that they are deleted before the
metadata is read (a commenter never becomes the author, a reply's date never the publication date)
and before trafilatura sees the page (no comment reaches the text).

Cost: one pass over the page's links; a page without a reply link costs nothing more.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from lxml.etree import XPath
from lxml.html import HtmlElement

from pipelines.extract.widgets import (
    DATE_TEXT,
    REPLY_LABELS,
    is_widget_line,
    normalise_line,
)

# Reply links by their target or class (matched lowercased): WordPress ?replytocom=, Blogger/TypePad
# reply anchors.
_REPLY_HREF = re.compile(r"replytocom=|#respond\b|comment[-_]?reply|reply[-_]?to[-_]?comment|/reply\b")
_REPLY_CLASS = re.compile(r"(?:^|[\s_-])reply(?:$|[\s_-])")

# Where a commenter's name sits: WordPress .fn/.comment-author, vcard, cite, microdata, user links.
_NAME_CLASS = re.compile(r"author|user|name|\bfn\b|vcard|nick|commenter|poster|profile", re.IGNORECASE)
_NAME_TAGS = frozenset({"cite", "strong", "b"})
_AVATAR = re.compile(r"avatar|gravatar|userpic|profile", re.IGNORECASE)

#: Ancestors of a reply link searched for its comment block.
MAX_DEPTH = 8
#: A header (name and date) is looked for in this many first characters of a block.
HEADER_CHARS = 400
_NEVER_REMOVED = frozenset({"html", "body", "main", "article", "h1"})


@lru_cache(maxsize=4096)
def _is_reply_label(text: str) -> bool:
    return normalise_line(text) in REPLY_LABELS


# Candidates for reply links, narrowed in C: links and buttons with a short text or a reply target.
_REPLY_CANDIDATES = XPath(
    '//a[string-length(normalize-space(.)) < 40 or contains(@href, "reply") or contains(@href, "respond")'
    ' or contains(@class, "reply")]|//button[string-length(normalize-space(.)) < 40]'
)


def _reply_links(tree: HtmlElement) -> list[HtmlElement]:
    links = []
    # A page has a hundred short links and about none are reply links: cheap substring tests on
    # lowercased values first, the (case-sensitive, faster) patterns only on what passes them.
    for element in _REPLY_CANDIDATES(tree):
        href = element.get("href")
        if href:
            lowered = href.lower()
            if ("reply" in lowered or "respond" in lowered) and _REPLY_HREF.search(lowered):
                links.append(element)
                continue
        classes = element.get("class")
        if classes:
            lowered = classes.lower()
            if "reply" in lowered and _REPLY_CLASS.search(lowered):
                links.append(element)
                continue
        text = element.text if not len(element) else element.text_content()
        if text and len(text) < 40 and _is_reply_label(text):
            links.append(element)
    return links


def name_element(block: HtmlElement) -> HtmlElement | None:
    """The element of a comment block that shows the commenter's name, if any."""
    for element in block.iter():
        if not isinstance(element.tag, str):
            continue
        marker = f"{element.get('class') or ''} {element.get('itemprop') or ''}"
        text = element.text_content().strip()
        short = 0 < len(text) <= 60 and len(text.split()) <= 5
        if short and (element.tag in _NAME_TAGS or _NAME_CLASS.search(marker)):
            return element
    return None


def _has_name(block: HtmlElement) -> bool:
    """A name, or an avatar standing for one."""
    if name_element(block) is not None:
        return True
    return any(_AVATAR.search(f"{img.get('class') or ''} {img.get('src') or ''}") for img in block.iter("img"))


def _has_date(block: HtmlElement) -> bool:
    if next(block.iter("time"), None) is not None:
        return True
    return DATE_TEXT.search(" ".join(block.text_content()[:HEADER_CHARS].split())) is not None


def _is_comment_block(block: HtmlElement) -> bool:
    return block.tag not in _NEVER_REMOVED and next(block.iter("h1"), None) is None and _has_date(block) and _has_name(block)


def _heading_before(element: HtmlElement) -> HtmlElement | None:
    """A comment heading ("Comments (3)", "2 Kommentare") right before ``element``, if any."""
    previous = element.getprevious()
    while previous is not None and not previous.text_content().strip():
        previous = previous.getprevious()
    if previous is None or previous.tag in _NEVER_REMOVED or len(previous.text_content()) > 120:
        return None
    return previous if is_widget_line(previous.text_content()) else None


def _signature(element: HtmlElement) -> tuple[str, str]:
    classes = (element.get("class") or "").split()
    return element.tag, classes[0] if classes else ""


def find_comment_lists(tree: HtmlElement) -> list[HtmlElement]:
    """The comment blocks of ``tree`` (and the comment heading above them), outer ones only.

    Blocks are siblings under one parent with the same tag and first class, each holding a reply
    link, a date and a name; two such siblings make a list, and so does a single one right after a
    comment heading. No block may hold half of the page's text (that is the article, not a comment).
    """
    links = _reply_links(tree)
    if not links:
        return []
    children_with_links: dict[HtmlElement, dict[HtmlElement, None]] = defaultdict(dict)
    for link in links:
        node = link
        for _ in range(MAX_DEPTH):
            parent = node.getparent()
            if parent is None:
                break
            children_with_links[parent][node] = None
            node = parent
    page_chars = len(tree.text_content())
    found: list[HtmlElement] = []
    taken: set[HtmlElement] = set()
    # outermost parents first, so that nested reply threads go with their top-level comment
    for parent, children in sorted(children_with_links.items(), key=lambda item: _depth(item[0])):
        if parent in taken or any(a in taken for a in parent.iterancestors()):
            continue
        groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
        for child in children:
            groups[_signature(child)].append(child)
        candidates = max(groups.values(), key=len)
        if any(len(c.text_content()) * 2 > page_chars for c in candidates):
            continue
        blocks = [c for c in candidates if _is_comment_block(c)]
        heading = _heading_before(blocks[0]) if blocks else None
        if len(blocks) >= 2 or (blocks and heading is not None):
            found += ([heading] if heading is not None else []) + blocks
            taken.update(blocks)
    return found


def _depth(element: HtmlElement) -> int:
    return sum(1 for _ in element.iterancestors())
