"""Reader views: one self-contained, sanitised HTML page per archived article.

``articles/<source>/<YYYY>/<MM>/<DD>/<slug>-<id>.html`` sits beside the article's JSON. It shows the
title, byline, dates, a link to the source page, the tags and the text as paragraphs, and links back
to the browse pages with relative links (so it works from any endpoint, public or presigned).

Nothing of the crawled page's markup reaches it: every value is escaped into our own template, and
the body is passed through nh3 (ammonia) with an allowlist of a dozen tags, ``href`` on links
(``http``/``https`` or relative) and ``datetime`` on ``<time>`` only: no script, no event handler, no
style attribute, no image or other remote resource. A strict Content-Security-Policy meta
(``default-src 'none'``; our one inline style allowed by its hash) makes a browser refuse scripts
and remote loads even if something slipped through. Served as ``text/html; charset=utf-8``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlsplit

import nh3

from pipelines import layout
from pipelines.models import Article

CONTENT_TYPE = "text/html; charset=utf-8"

STYLE = (
    "body{max-width:44rem;margin:2rem auto;padding:0 1rem;font:1.05rem/1.6 Georgia,'Times New Roman',serif;"
    "color:#1d1d1d;background:#fdfdfb}"
    "h1{font-size:1.8rem;line-height:1.25;margin:.2rem 0 .6rem}"
    "nav,.meta,footer,.tags{font:.9rem/1.5 system-ui,sans-serif;color:#555}"
    "nav a,.tags a{margin-right:.6rem}"
    "ul.tags{list-style:none;padding:0}ul.tags li{display:inline}"
    "footer{margin-top:2.5rem;border-top:1px solid #ddd;padding-top:.6rem}"
    "table{border-collapse:collapse}td,th{padding:.15rem .7rem .15rem 0;text-align:left}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
#: No script, no remote resource of any kind; only our own inline style (by hash).
CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none'; media-src 'none'; "
    "font-src 'none'; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)

_TAGS = {"nav", "header", "main", "article", "footer", "h1", "h2", "p", "a", "time", "ul", "li", "span", "small",
         "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href"}, "time": {"datetime"}, "ul": {"class"}, "p": {"class"}, "span": {"class"}}


def sanitize(fragment: str) -> str:
    """Our allowlist over an HTML fragment: the tags above, ``href`` (http/https/relative) on links,
    ``datetime`` on ``<time>``; everything else (scripts, handlers, styles, images) is removed."""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def page(title: str, body: str, language: str | None = None) -> bytes:
    """A whole page around a sanitised ``body``: charset, CSP, no referrer, our style."""
    lang = language if language and language.replace("-", "").isalnum() and len(language) <= 12 else "und"
    return (
        f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n{sanitize(body)}\n</body></html>\n"
    ).encode("utf-8")


def web_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL (anything else is never linked)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _time(label: str, when: datetime | None) -> str:
    if when is None:
        return ""
    when = when.astimezone(UTC)
    return f"{escape(label)} <time datetime=\"{escape(when.isoformat())}\">{when:%Y-%m-%d %H:%M} UTC</time>"


def tag_links(record: Article, from_key: str) -> list[tuple[str, str]]:
    """``(label, relative link)`` of the browse page of each topic and tag of ``record``."""
    labels = list(dict.fromkeys([*record.topics, *record.categories, *record.tags]))
    return [(label, layout.relative_link(from_key, layout.browse_tag_key(label))) for label in labels]


def render_reader_view(record: Article, json_key: str) -> bytes:
    """The reader view of an archived article whose JSON lives at ``json_key`` (UTF-8 bytes)."""
    key = layout.reader_view_key(json_key)
    title = record.title or "(untitled)"
    link = web_url(record.canonical_url) or web_url(record.url)
    site = record.site_name or (urlsplit(link).hostname if link else None) or record.source or ""
    parts = layout.parse_article_key(json_key)
    nav = [f'<a href="{escape(layout.relative_link(key, layout.browse_index_key()))}">All sources</a>']
    if parts is not None:
        source, day, _ = parts
        nav.append(f'<a href="{escape(layout.relative_link(key, layout.browse_day_key(source, day)))}">'
                   f'{escape(source)}, {day:%Y-%m-%d}</a>')
    meta = []
    if record.authors:
        meta.append("By " + escape(", ".join(record.authors)))
    dates = " · ".join(d for d in (_time("Published", record.published), _time("Updated", record.modified)) if d)
    if dates:
        meta.append(dates)
    if link:
        meta.append(f'Source: <a href="{escape(link)}">{escape(site or link)}</a>')
    elif site:
        meta.append(f"Source: {escape(site)}")
    tags = "".join(f'<li><a href="{escape(href)}">{escape(label)}</a></li>' for label, href in tag_links(record, key))
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in (record.text or "").split("\n") if p.strip())
    json_name = json_key.rsplit("/", 1)[-1]
    footer = (
        f"Archived by newsarchive · id {escape(str(record.id))} · revision {record.revision}"
        f" · language {escape(record.language or 'unknown')}"
        f' · <a href="{escape(json_name)}">JSON</a>'
    )
    body = (
        f"<nav>{''.join(nav)}</nav>\n<article><header><h1>{escape(title)}</h1>"
        + "".join(f'<p class="meta">{m}</p>' for m in meta)
        + (f'<ul class="tags">{tags}</ul>' if tags else "")
        + f"</header>\n<main>{paragraphs}</main></article>\n<footer>{footer}</footer>"
    )
    return page(title, body, record.language)
