"""Article metadata from a parsed page: what the page states, never a guess.

trafilatura's ``<meta>``/JSON-LD readers supply title, author, site name, description and image;
this module adds what an archive needs on top of them: timezone-aware published/modified
datetimes from the page's machine-readable fields (JSON-LD, Open Graph ``article:*``, microdata,
``<time>``), the canonical URL, the page language, and categories and tags from every place a CMS
puts them (``rel=tag``/``rel=category`` links, ``article:tag``/``article:section``, JSON-LD
``keywords``/``articleSection``). A field the page does not carry stays ``None`` (or empty).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate.core import date_candidates, examine_elements, examine_header
from htmldate.extractors import extract_url_date
from htmldate.utils import Extractor as DateOptions
from htmldate.validators import get_max_date, get_min_date
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.metadata import (
    Document,
    examine_meta,
    extract_sitename,
    extract_title,
    normalize_authors,
)

from pipelines.dates import parse_datetime
from pipelines.extract.jsonld import JsonLd, types_of
from pipelines.extract.widgets import normalise_line
from pipelines.schemaorg import ARTICLE_TYPES, LISTING_TYPES
from pipelines.text import count_words
from pipelines.urls import canonicalize_url

LOGGER = logging.getLogger(__name__)

#: WordPress ``<body>`` classes of listing pages (archives, tag/category/author pages, search, 404).
LISTING_BODY_CLASSES = frozenset({"archive", "category", "tag", "author", "search", "search-results", "error404", "blog"})

#: Open Graph types of pages that are not articles (home, section, about and profile pages).
NON_ARTICLE_OG_TYPES = frozenset({"website", "profile", "product", "place", "business.business", "book"})
#: An undated page of such a type is a listing when its text has this many teaser headlines…
MIN_TEASERS = 3
#: …or an about/contact/profile page when its text is shorter than this and the page shows no date.
MIN_UNDATED_WEBSITE_WORDS = 150

_LANG = re.compile(r"^[a-zA-Z]{2,3}(?=$|[-_])")
_SPLIT_KEYWORDS = re.compile(r"\s*[,;]\s*")
_SPLIT_NAMES = re.compile(r"\s*(?:;|,| and | & )\s*")

# Machine-readable date and author fields, in order of trust (first one found wins). Keys are
# lowercased ``<meta>`` name/property values, or ``itemprop:X`` for microdata.
_PUBLISHED_KEYS = (
    "article:published_time", "itemprop:datepublished", "parsely-pub-date", "sailthru.date", "publish-date",
    "pubdate", "dc.date.issued", "dcterms.issued", "date", "og:published_time",
)
_MODIFIED_KEYS = (
    "article:modified_time", "itemprop:datemodified", "og:updated_time", "last-modified", "dc.date.modified",
    "dcterms.modified",
)
_AUTHOR_KEYS = ("author", "parsely-author", "sailthru.author", "dc.creator", "article:author")
# Category links of theme markup without rel="category" (the post's own, inside its <article>).
_CATEGORY_LINKS = XPath('//article//a[contains(@href, "/category/") or contains(@href, "/categories/")]')
_TITLE_PARTS = re.compile(r"\s+[|–—:·•-]\s+|\s*::\s*")  # "Headline | Site", "Site - Headline"
_TEASERS = XPath("//h2[.//a]|//h3[.//a]|//h4[.//a]|//a[h2 or h3 or h4]")
_REL_LINKS = XPath("//a[@rel]")
# Microdata dates, selected as attribute values (a predicate on the attribute, not on every element:
# three times faster in libxml2).
_DATE_ITEMPROPS = XPath('//@itemprop[starts-with(., "date")]')
_PUBLISHED_CLASSES = frozenset({"published", "entry-date", "post-date", "publish-date", "dt-published"})
_MODIFIED_CLASSES = frozenset({"updated", "modified", "dt-updated"})
# A byline in the page: microdata, rel=author, or a byline/author class outside comment markup
# (trafilatura's own byline search deep-copies the tree and costs more than the extraction).
_BYLINE_TAGS = ("a", "span", "div", "p", "address", "cite", "strong")
_BYLINE_TAIL = re.compile(r"\s+(?:[—–|·•]|-\s|&mdash)|,\s+(?=\w+\s+\d)")  # "NAME — date", "NAME, Jan 5"
_BY = re.compile(r"^(?:by|par|von|por|بقلم|posted by|written by)\s*:?\s+", re.IGNORECASE)
_BY_WORD = re.compile(r"(?:^|(?<=[\s|·•,…]))(?:by|par|von|por|di|door|av|af|от|автор|بقلم)\s*:?\s+", re.IGNORECASE)
_JOB_TOKENS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
#: Words of job titles that bylines print next to a name (en, de, fr, es, it, ru), casefolded.
_JOB_WORDS = frozenset(
    """reporter reporters senior junior chief staff writer writers correspondent editor editors editor-in-chief
    contributing contributor columnist journalist managing deputy political politics business sports science
    health foreign news digital associate assistant special national international bureau producer
    photographer analyst freelance guest opinion features investigative desk and the of at
    redakteur redakteurin korrespondent korrespondentin reporterin chefredakteur chefredakteurin autor autorin
    journalistin volontär volontärin rédacteur rédactrice journaliste correspondant correspondante envoyé
    envoyée spécial spéciale chef en periodista redactor redactora corresponsal enviado enviada especial
    giornalista redattore redattrice inviato inviata corrispondente корреспондент обозреватель редактор
    журналист""".split()
)


#: The metadata fields an ``Article`` takes as they are.
ARTICLE_FIELDS = (
    "title", "authors", "published", "modified", "canonical_url", "site_name", "language", "description",
    "image", "categories", "tags",
)


@dataclass
class PageMetadata:
    """Everything known about a page apart from its text."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    page_types: set[str] = field(default_factory=set)
    body_classes: set[str] = field(default_factory=set)
    og_type: str | None = None
    dated_in_markup: bool = False
    dated_in_url: bool = False
    title_stated: bool = False

    def article_fields(self) -> dict[str, Any]:
        """The fields that ``Article`` has under the same names (title, authors, dates, …)."""
        return {name: getattr(self, name) for name in ARTICLE_FIELDS}

    def is_listing(self, text: str, tree: HtmlElement) -> bool:
        """The page is not one article: a listing (archive, tag, category, author, search, the posts
        page ``blog`` unless the theme also marks it a static ``page``), a WordPress static page not
        typed ``article``, or a page typed ``website``/``profile`` without a machine-readable date whose
        extracted ``text`` is made of the ``tree``'s teaser headlines (a home or section page), or is
        short and either shows no date at all (an about, contact or profile page) or holds a teaser
        headline (a small section page). A short news item on a site that types every page ``website``
        shows its date in the page and no teaser."""
        if self.body_classes & {"single", "single-post"} or self.page_types & ARTICLE_TYPES:
            return False
        listing_classes = self.body_classes & LISTING_BODY_CLASSES
        if "page" in self.body_classes:
            listing_classes -= {"blog"}  # themes that put "blog" on every page, static ones included
        if listing_classes or self.page_types & LISTING_TYPES:
            return True
        if "page" in self.body_classes and self.og_type not in (None, "article"):
            return True
        if self.og_type not in NON_ARTICLE_OG_TYPES or self.dated_in_markup or self.dated_in_url:
            return False  # a permalink with the full date in it (/2013/05/23/slug) is one post
        lines = text.split("\n")
        titles = frozenset(normalise_line(t.text_content()) for t in _TEASERS(tree))
        teasers = sum(normalise_line(line) in titles for line in lines)
        if teasers >= MIN_TEASERS:
            return True
        # short: undated, an about/contact/profile page; dated but showing a teaser, a small section page
        return count_words(text) < MIN_UNDATED_WEBSITE_WORDS and (self.published is None or teasers > 0)


def _strings(value: Any, key: str = "name") -> list[str]:
    """Text values of a JSON-LD property: a string, a list, or objects carrying ``key``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _strings(value.get(key), key)
    if isinstance(value, list):
        return [s for item in value for s in _strings(item, key)]
    return []


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        text = " ".join(value.split())
        if text and len(text) <= 100 and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


# The elements the readers below take their input from, collected in one walk of the tree.
_WALKED = ("meta", "link", "script", "time", "abbr")


def _walk(tree: HtmlElement) -> dict[str, list[HtmlElement]]:
    """``meta``, ``link``, ``script`` and ``time`` (with ``abbr``) elements of ``tree``, in page order."""
    found: dict[str, list[HtmlElement]] = {"meta": [], "link": [], "script": [], "time": []}
    for element in tree.iter(*_WALKED):
        found["time" if element.tag == "abbr" else element.tag].append(element)
    return found


def _page_fields(tree: HtmlElement, walked: dict[str, list[HtmlElement]] | None = None) -> dict[str, list[str]]:
    """``<meta>`` contents by lowercased name/property, microdata dates as ``itemprop:…``, and the
    ``datetime`` of ``<time>`` elements as ``time:published``/``time:updated`` by their class.
    ``walked``: what :func:`_walk` found in ``tree``, when the caller has it already."""
    walked = walked if walked is not None else _walk(tree)
    fields: dict[str, list[str]] = {}
    for meta in walked["meta"]:
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and content.strip():
            fields.setdefault(key.strip().lower(), []).append(content.strip())
    for itemprop in _DATE_ITEMPROPS(tree):
        element = itemprop.getparent()
        value = element.get("content") or element.get("datetime")
        if value:
            fields.setdefault(f"itemprop:{itemprop.lower()}", []).append(value)
    for element in walked["time"]:
        value = element.get("datetime") or (element.get("title") if element.tag == "abbr" else None)
        if not value:
            continue
        classes = set((element.get("class") or "").split())
        if classes & _PUBLISHED_CLASSES or element.get("pubdate") is not None:
            fields.setdefault("time:published", []).append(value)
        elif classes & _MODIFIED_CLASSES:
            fields.setdefault("time:updated", []).append(value)
    return fields


def _canonical_link(links: list[HtmlElement]) -> str | None:
    """The ``href`` of the first ``<link rel="canonical">`` that has one."""
    return next((link.get("href") for link in links if link.get("rel") == "canonical" and link.get("href") is not None), None)


def _first_date(candidates: list[str], fields: dict[str, list[str]], keys: tuple[str, ...]) -> datetime | None:
    for value in [*candidates, *(v for key in keys for v in fields.get(key, ()))]:
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    return None


def _rel_links(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """Texts of the ``rel="category"`` and the ``rel="tag"`` links (WordPress marks its category
    links ``rel="category tag"``: they count as categories only)."""
    categories, tags = [], []
    for link in _REL_LINKS(tree):
        tokens = link.get("rel", "").lower().split()
        if "category" in tokens:
            categories.append(link.text_content())
        elif "tag" in tokens:
            tags.append(link.text_content())
    return categories, tags


def _language(tree: HtmlElement, fields: dict[str, list[str]]) -> str | None:
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *fields.get("content-language", []),
        *fields.get("og:locale", []),
    ]
    for value in candidates:
        match = _LANG.match((value or "").strip())
        if match:
            return match.group(0).lower()
    return None


def _absolute(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if base:
        url = urljoin(base, url)
    return url if urlsplit(url).scheme in ("http", "https") else None


def _meta_document(tree: HtmlElement) -> Document:
    """trafilatura's reading of the ``<meta>`` tags (Open Graph, Twitter, Dublin Core…).

    Not its whole ``extract_metadata``: JSON-LD is read here once, its byline search deep-copies the
    tree, and its date search ends in htmldate's free-text search (a guess when markup is silent).
    """
    doc = examine_meta(tree)
    if doc.author and " " not in doc.author:
        doc.author = None  # trafilatura's own rule: a one-word meta author is a handle, not a name
    doc.clean_and_trim()
    return doc


def _date_options() -> DateOptions:
    return DateOptions(False, get_max_date(None), get_min_date(None), True, "%Y-%m-%d")


def _url_date(url: str | None) -> datetime | None:
    """The full date (year, month and day) in a URL's path, as htmldate reads it."""
    return parse_datetime(extract_url_date(url, _date_options())) if url else None


def _markup_date(tree: HtmlElement, url: str | None) -> datetime | None:
    """htmldate's header, URL and date-element stages: dates the page states, no free-text search.

    The date elements are the ones htmldate's fast mode trusts (a class or id saying "date",
    "published", "time"…); its full-text and copyright-year searches are left out on purpose.
    """
    options = _date_options()
    try:
        found = (
            examine_header(tree, options)
            or extract_url_date(url, options)
            or examine_elements(date_candidates(tree, False), options)
        )
    except Exception as exc:  # noqa: BLE001 - htmldate must not cost the article
        LOGGER.debug("htmldate failed: %s", exc)
        return None
    return parse_datetime(found)


def _authors(
    tree: HtmlElement, jsonld: JsonLd, article: dict[str, Any], fields: dict[str, list[str]], doc: Document
) -> list[str]:
    authors = [clean_author(a) for a in jsonld.names(article.get("author"))]
    if not authors:
        metas = (v for key in _AUTHOR_KEYS for v in fields.get(key, ()))
        named = [a for a in metas if not a.startswith(("http://", "https://"))][:1]
        authors = [clean_author(a) for value in named for a in _SPLIT_NAMES.split(value)]
    if not authors:
        byline = doc.author or _byline(tree)
        authors = [clean_author(a) for a in byline.split("; ")] if byline else []
    return _unique([a for a in authors if a])


def clean_author(name: str) -> str:
    """A person's name as a byline shows it, without what surrounds it on the page.

    Drops a leading date or label before "by" ("Monday August 27, 2018 | by NAME"), what follows a
    dash or bar ("NAME — 5 May"), and job titles before or after the name ("Senior Reporter NAME",
    "NAME, Staff Writer"). A name with a particle ("Ursula von der Leyen") is left whole: the text
    before a "by"-word is only dropped when it is empty or holds a digit.
    """
    text = " ".join(name.split())
    matches = list(_BY_WORD.finditer(text))
    if matches:
        before = text[: matches[-1].start()]
        if not before.strip(" |·•,-–—…") or any(ch.isdigit() for ch in before):
            text = text[matches[-1].end():]
    text = _BYLINE_TAIL.split(text)[0]
    head, comma, tail = text.partition(",")
    if comma and tail.strip() and all(t.casefold() in _JOB_WORDS for t in _JOB_TOKENS.findall(tail)):
        text = head
    tokens = text.split()
    while len(tokens) > 2 and tokens[0].casefold().strip(":,") in _JOB_WORDS:
        tokens.pop(0)
    while len(tokens) > 2 and tokens[-1].casefold().strip(":,") in _JOB_WORDS:
        tokens.pop()
    if tokens and all(t.casefold().strip(":,") in _JOB_WORDS for t in tokens):
        return ""
    return " ".join(tokens).strip(" ,;:|·•-–—")


def _byline_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """Elements marked as a byline or author (rel, itemprop, class), outside comments and author bios."""
    for element in tree.iter(*_BYLINE_TAGS):
        classes = element.get("class") or ""
        marked = "byline" in classes or "author" in classes
        if not (marked or element.get("rel") == "author" or element.get("itemprop") == "author"):
            continue
        if "comment" in classes or any(_in_comment_or_bio(a) for a in element.iterancestors()):
            continue
        yield element


def _in_comment_or_bio(element: HtmlElement) -> bool:
    classes = element.get("class") or ""
    in_comment = "comment" in classes or "comment" in (element.get("id") or "")
    return in_comment or "author-bio" in classes or "about-author" in classes


def _byline(tree: HtmlElement) -> str | None:
    for element in _byline_elements(tree):
        name = element.find('.//*[@itemprop="name"]')
        text = " ".join((name if name is not None else element).text_content().split())
        text = clean_author(text)
        if 2 < len(text) < 80 and not any(ch.isdigit() for ch in text):
            return normalize_authors(None, text)
    return None


def _host_words(url: str | None) -> set[str]:
    """Normalised labels of a URL's host ("www.coastline-courier.com" gives "coastline courier")."""
    host = urlsplit(url or "").hostname or ""
    labels = [label for label in host.split(".") if label not in ("www", "m", "amp")]
    return {normalise_line(label.replace("-", " ")) for label in labels[:-1] if label}


def reconcile_title(title: str | None, site_names: list[str], headlines: list[str], url: str | None) -> str | None:
    """``title`` without the site name its ``og:title``/``<title>`` carries as a prefix or suffix.

    "Headline - Coastline Courier", "Coastline Courier | Headline": the part equal to a headline the
    page states elsewhere (JSON-LD ``headline``, its single ``<h1>``) is the title; otherwise an end
    part that names the site (``og:site_name``, JSON-LD publisher, the host) is dropped.
    """
    if not title:
        return title
    separators = list(_TITLE_PARTS.finditer(title))
    if not separators:
        return title
    wanted = {normalise_line(h) for h in headlines if h}
    for part in _TITLE_PARTS.split(title):
        if part and normalise_line(part) in wanted:
            return part.strip()
    sites = {normalise_line(s) for s in site_names if s} | _host_words(url)
    sites.discard("")

    def names_site(part: str) -> bool:
        normal = normalise_line(part)
        squeezed = normal.replace(" ", "")
        return bool(normal) and any(normal == s or squeezed == s.replace(" ", "") for s in sites)

    first, last = separators[0], separators[-1]
    if names_site(title[last.end():]) and last.start() > 0:
        return title[: last.start()].strip()
    if names_site(title[: first.start()]) and first.end() < len(title):
        return title[first.end():].strip()
    return title


def _title_stated(tree: HtmlElement, title: str | None, stated: list[str | None]) -> bool:
    """Whether ``title`` is what the page's metadata or ``<title>`` says, not only a heading in the body."""
    if not title:
        return False
    element = tree.find(".//head/title")
    parts = _TITLE_PARTS.split(element.text_content()) if element is not None else []
    wanted = normalise_line(title)
    return any(normalise_line(candidate) == wanted for candidate in [*stated, *parts] if candidate)


def _split_all(values: list[str]) -> list[str]:
    return [part for value in values for part in _SPLIT_KEYWORDS.split(value)]


def page_metadata(tree: HtmlElement, url: str | None = None) -> PageMetadata:
    """Metadata of the page in ``tree`` (fetched from ``url`` when known). Reads, never mutates, the tree."""
    walked = _walk(tree)
    jsonld = JsonLd.from_scripts(walked["script"])
    article = jsonld.first_of_types(ARTICLE_TYPES)
    doc = _meta_document(tree)
    fields = _page_fields(tree, walked)

    canonical = _canonical_link(walked["link"]) or next(iter(fields.get("og:url", [])), None)
    canonical = _absolute(canonical, url) or url

    published = _first_date(_strings(article.get("datePublished")), fields, (*_PUBLISHED_KEYS, "time:published"))
    dated_in_markup = published is not None
    if published is None:
        published = _markup_date(tree, url)

    site_names = [
        *fields.get("og:site_name", []),
        *jsonld.names(article.get("publisher")),
        *([doc.sitename] if doc.sitename else []),
    ]
    image = _absolute(doc.image or next(iter(_strings(article.get("image"), "url")), None), url)

    category_links, tag_links = _rel_links(tree)
    categories = _unique(
        [
            *category_links,
            *_strings(article.get("articleSection")),
            *fields.get("article:section", []),
        ]
    ) or _unique(_split_all(doc.categories or []) or [a.text_content() for a in _CATEGORY_LINKS(tree)])
    tags = _unique(
        [
            *tag_links,
            *_split_all(fields.get("article:tag", [])),
            *_split_all(_strings(article.get("keywords"))),
        ]
    ) or _unique(_split_all(doc.tags or []))
    headline = next(iter(_strings(article.get("headline"))), None)
    h1s = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    stated_title = doc.title or headline
    title = reconcile_title(
        stated_title or extract_title(tree),
        [*fields.get("og:site_name", []), *jsonld.names(article.get("publisher"))],
        [headline or "", *(h1s if len(h1s) == 1 else [])],
        canonical,
    )
    reconcile_parts = [title] if stated_title else []
    return PageMetadata(
        title=title,
        # a title reconciled from og:title/<title> is still what the page's metadata states
        title_stated=_title_stated(tree, title, [doc.title, headline, *reconcile_parts]),
        authors=_authors(tree, jsonld, article, fields, doc),
        published=published,
        modified=_first_date(_strings(article.get("dateModified")), fields, (*_MODIFIED_KEYS, "time:updated")),
        canonical_url=canonicalize_url(canonical) if canonical else None,
        site_name=next((s.strip() for s in site_names if s.strip()), None) or extract_sitename(tree),
        language=_language(tree, fields),
        description=doc.description,
        image=image,
        categories=categories,
        tags=tags,
        page_types={t for n in jsonld.nodes for t in types_of(n)},
        body_classes=set(next(iter(tree.xpath("./body/@class")), "").split()),
        og_type=next((t.strip().lower() for t in fields.get("og:type", [])), None),
        dated_in_markup=dated_in_markup,
        dated_in_url=_url_date(url) is not None,
    )
