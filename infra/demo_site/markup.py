"""Small helpers shared by the site templates: escaping, slugs, date formats, JSON-LD."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from datetime import datetime
from email.utils import format_datetime
from typing import Any


def esc(text: str) -> str:
    """HTML-escape text for element content and double-quoted attributes."""
    return html.escape(text, quote=True)


def slugify(text: str) -> str:
    """WordPress-like slug: lowercase ASCII words joined by hyphens (accents dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "").replace("&", "")).strip("-")


def wp_date(value: datetime) -> str:
    """Date as WordPress themes print it: ``January 16, 2020``."""
    return f"{value:%B} {value.day}, {value.year}"


def wp_time(value: datetime) -> str:
    """Time as WordPress themes print it: ``9:12 am``."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value:%M} {'am' if value.hour < 12 else 'pm'}"


def rfc822(value: datetime) -> str:
    """RSS ``pubDate`` format."""
    return format_datetime(value)


def http_date(value: datetime) -> str:
    """HTTP-date (``Last-Modified``, ``Retry-After``), always in GMT."""
    return format_datetime(value, usegmt=True)


def iso(value: datetime) -> str:
    """ISO 8601 with offset, as used in meta tags, JSON-LD and sitemaps."""
    return value.isoformat()


def json_ld(data: dict[str, Any]) -> str:
    """A ``<script type="application/ld+json">`` block (``</`` escaped so it cannot close the script)."""
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def paragraphs_html(paragraphs: list[str]) -> str:
    """Article paragraphs as ``<p>`` elements."""
    return "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)


def widont(title: str) -> str:
    """WordPress.com's widont filter: a no-break space between the last two words of a title."""
    head, _, last = title.rpartition(" ")
    return f"{esc(head)}&nbsp;{esc(last)}" if head else esc(title)
