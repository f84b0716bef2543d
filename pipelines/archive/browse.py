"""Static browse pages in the bucket: open ``browse/index.html`` in a browser, no server of ours.

- ``browse/index.html``: sources (articles, days, latest day), the most recent days, and the tags
  with their counts;
- ``browse/sources/<source>.html``: one source's days;
- ``browse/days/<source>/<YYYY-MM-DD>.html``: one source's articles of one day, linking to the
  reader views (``articles/…/<slug>-<id>.html``);
- ``browse/tags/<tag>.html``: the articles of one topic or page tag (newest first).

Every link is relative, so the pages work from any endpoint (a public bucket, a SeaweedFS with
anonymous read on ``browse/`` and ``articles/``, a static website endpoint). Pages are built from
the manifests (latest revision of each article; duplicates are not listed) and carry no timestamp
of their own, so the same archive always gives the same bytes: a page whose MD5 equals the ETag
already stored is not written again. :func:`rebuild_browse` rebuilds what a run touched, or
everything.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any

from pipelines import layout
from pipelines.archive.manifests import labels, latest_rows, read_manifest_rows
from pipelines.archive.reader import CONTENT_TYPE, page
from pipelines.storage import Storage

log = logging.getLogger(__name__)

RECENT_DAYS = 30
MAX_TAGS_ON_INDEX = 300
MAX_ON_TAG_PAGE = 1000


@dataclass
class BrowseReport:
    """What :func:`rebuild_browse` did: pages considered, written, and left as they were."""

    pages: int = 0
    written: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.pages - len(self.written)

    def to_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "written": len(self.written), "unchanged": self.unchanged}


@dataclass(frozen=True)
class Entry:
    """One article as listed on a page."""

    key: str
    source: str
    day: date
    title: str
    published: str
    authors: str
    language: str
    labels: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Entry | None:
        parsed = layout.parse_article_key(row.get("key") or "")
        if parsed is None or row.get("duplicate_of"):
            return None
        source, day, _ = parsed
        published = row.get("published")
        return cls(
            key=row["key"], source=source, day=day, title=row.get("title") or "(untitled)",
            published=published.strftime("%Y-%m-%d %H:%M") if published else "",
            authors=", ".join(row.get("authors") or []), language=row.get("language") or "",
            labels=tuple(labels(row)),
        )


def _entries(rows: Iterable[Mapping[str, Any]]) -> list[Entry]:
    found = (Entry.from_row(row) for row in latest_rows(rows))
    return sorted((e for e in found if e is not None), key=lambda e: (e.day, e.published, e.key), reverse=True)


# --------------------------------------------------------------------------- pages


def _link(from_key: str, to_key: str, text: str) -> str:
    return f'<a href="{escape(layout.relative_link(from_key, to_key))}">{escape(text)}</a>'


def _nav(key: str, *crumbs: tuple[str, str]) -> str:
    parts = [_link(key, layout.browse_index_key(), "All sources"), *(_link(key, k, t) for k, t in crumbs)]
    return f"<nav>{' '.join(parts)}</nav>"


def _article_table(key: str, entries: Iterable[Entry], *, with_source: bool) -> str:
    rows = []
    for e in entries:
        source = f"<td>{_link(key, layout.browse_day_key(e.source, e.day), e.source)}</td>" if with_source else ""
        labels = " ".join(_link(key, layout.browse_tag_key(label), label) for label in e.labels[:6])
        rows.append(
            f"<tr><td>{escape(e.published or e.day.isoformat())}</td>{source}"
            f"<td>{_link(key, layout.reader_view_key(e.key), e.title)}</td>"
            f"<td>{escape(e.authors)}</td><td>{escape(e.language)}</td><td>{labels}</td></tr>"
        )
    head = "<tr><th>published</th>" + ("<th>source</th>" if with_source else "") + \
        "<th>title</th><th>by</th><th>lang</th><th>tags</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def day_page(source: str, day: date, entries: list[Entry]) -> bytes:
    key = layout.browse_day_key(source, day)
    title = f"{source}, {day:%Y-%m-%d}"
    body = (f"{_nav(key, (layout.browse_source_key(source), source))}<h1>{escape(title)}</h1>"
            f"<p>{len(entries)} article(s)</p>{_article_table(key, entries, with_source=False)}")
    return page(title, body)


def source_page(source: str, days: Mapping[date, int]) -> bytes:
    key = layout.browse_source_key(source)
    items = "".join(f"<li>{_link(key, layout.browse_day_key(source, d), d.isoformat())} ({n})</li>"
                    for d, n in sorted(days.items(), reverse=True))
    body = f"{_nav(key)}<h1>{escape(source)}</h1><p>{sum(days.values())} article(s) on {len(days)} day(s)</p><ul>{items}</ul>"
    return page(source, body)


def tag_page(tag: str, entries: list[Entry]) -> bytes:
    key = layout.browse_tag_key(tag)
    shown = entries[:MAX_ON_TAG_PAGE]
    more = f"<p>The {len(shown)} newest are listed.</p>" if len(entries) > len(shown) else ""
    body = (f"{_nav(key)}<h1>Tag: {escape(tag)}</h1><p>{len(entries)} article(s)</p>{more}"
            f"{_article_table(key, shown, with_source=True)}")
    return page(f"Tag: {tag}", body)


def index_page(entries: list[Entry]) -> bytes:
    key = layout.browse_index_key()
    by_source: dict[str, Counter[date]] = defaultdict(Counter)
    for e in entries:
        by_source[e.source][e.day] += 1
    sources = "".join(
        f"<tr><td>{_link(key, layout.browse_source_key(s), s)}</td><td>{sum(days.values())}</td><td>{len(days)}</td>"
        f"<td>{_link(key, layout.browse_day_key(s, max(days)), max(days).isoformat())}</td></tr>"
        for s, days in sorted(by_source.items())
    )
    recent = sorted({e.day for e in entries}, reverse=True)[:RECENT_DAYS]
    day_items = "".join(
        f"<li>{d.isoformat()}: "
        + ", ".join(f"{_link(key, layout.browse_day_key(s, d), s)} ({days[d]})"
                    for s, days in sorted(by_source.items()) if d in days)
        + "</li>"
        for d in recent
    )
    tags = Counter(label for e in entries for label in e.labels)
    tag_items = " ".join(f"{_link(key, layout.browse_tag_key(t), t)} ({n})"
                         for t, n in sorted(tags.most_common(MAX_TAGS_ON_INDEX), key=lambda tn: (-tn[1], tn[0])))
    body = (
        f"<h1>News archive</h1><p>{len(entries)} article(s) from {len(by_source)} source(s)</p>"
        f"<h2>Sources</h2><table><thead><tr><th>source</th><th>articles</th><th>days</th><th>latest</th></tr></thead>"
        f"<tbody>{sources}</tbody></table>"
        f"<h2>Recent days</h2><ul>{day_items}</ul><h2>Tags</h2><p>{tag_items}</p>"
    )
    return page("News archive", body)


# --------------------------------------------------------------------------- rebuild


def rebuild_browse(storage: Storage, touched: Iterable[Mapping[str, Any] | str] | None = None,
                   rows: Iterable[Mapping[str, Any]] | None = None) -> BrowseReport:
    """Rebuild the browse pages from the manifests and write those that changed.

    ``touched``: what changed, as manifest rows or as run ids (their manifests are read): only the
    pages those articles appear on are rebuilt, plus the index and their sources' pages; ``None``
    rebuilds every page. ``rows``: all manifest rows when the caller already has them (default:
    read from the bucket). A page is written only when its bytes differ from the stored object
    (MD5 against the listed ETag)."""
    all_rows = list(rows) if rows is not None else read_manifest_rows(storage)
    if touched is not None:
        touched = list(touched)
        run_ids = {t for t in touched if isinstance(t, str)}
        touched = [t for t in touched if not isinstance(t, str)] + [r for r in all_rows if r.get("run_id") in run_ids]
    entries = _entries(all_rows)
    by_day: dict[tuple[str, date], list[Entry]] = defaultdict(list)
    by_tag: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_day[(e.source, e.day)].append(e)
        for label in e.labels:
            by_tag[label].append(e)
    if touched is None:
        days, tags = set(by_day), set(by_tag)
    else:
        touched_entries = [e for e in (Entry.from_row(r) for r in touched) if e is not None]
        days = {(e.source, e.day) for e in touched_entries}
        tags = {label for e in touched_entries for label in e.labels}
    sources = {s for s, _ in days}
    pages: dict[str, bytes] = {layout.browse_index_key(): index_page(entries)}
    for s in sources:
        pages[layout.browse_source_key(s)] = source_page(s, Counter({d: len(v) for (src, d), v in by_day.items() if src == s}))
    for s, d in days:
        pages[layout.browse_day_key(s, d)] = day_page(s, d, by_day.get((s, d), []))
    for t in tags:
        pages[layout.browse_tag_key(t)] = tag_page(t, by_tag.get(t, []))
    return _write_pages(storage, pages)


def _write_pages(storage: Storage, pages: Mapping[str, bytes]) -> BrowseReport:
    from concurrent.futures import ThreadPoolExecutor

    stored = storage.list_etags(layout.BROWSE)
    report = BrowseReport(pages=len(pages))
    changed = [(k, b) for k, b in sorted(pages.items()) if stored.get(k) != hashlib.md5(b).hexdigest()]
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="browse") as pool:
        list(pool.map(lambda kb: storage.put_bytes(kb[0], kb[1], content_type=CONTENT_TYPE), changed))
    report.written = [k for k, _ in changed]
    log.info("browse pages: %d considered, %d written", report.pages, len(report.written))
    return report
