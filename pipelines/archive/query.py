"""The read side of the archive: what ``newsarchive ls``, ``show`` and ``search`` call.

``list_articles`` and ``search_articles`` read the manifests (one GET per processed run, never a
listing of ``articles/``), keep the latest revision of each article, and filter; ``get_article``
finds one article through its pointer (``_state/articles/<id>.json``) or by key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pipelines import layout
from pipelines.archive.manifests import labels, read_manifest_rows
from pipelines.storage import InvalidKey, ObjectNotFound, Storage


class ArticleNotFound(LookupError):
    """No archived article has that id or key."""


def _when(row: Mapping[str, Any]) -> datetime | None:
    return row.get("published") or row.get("fetched_at")


def _sort_key(row: Mapping[str, Any]) -> tuple[datetime, str]:
    return (_when(row) or datetime.min.replace(tzinfo=UTC), row.get("key") or "")


def list_articles(storage: Storage, *, source: str | None = None, since: date | None = None, tag: str | None = None,
                  language: str | None = None, include_duplicates: bool = False) -> list[dict[str, Any]]:
    """Archived articles (latest revision each; newest first) as manifest rows, filtered by source,
    publication (else fetch) day on or after ``since``, tag or topic, and language."""
    rows = read_manifest_rows(storage, since=since, latest=True)
    found = []
    for row in rows:
        if row.get("duplicate_of") and not include_duplicates:
            continue
        if source and row.get("source") != source:
            continue
        when = _when(row)
        if since and (when is None or when.astimezone(UTC).date() < since):
            continue
        if tag and tag not in labels(row):
            continue
        if language and row.get("language") != language:
            continue
        found.append(row)
    return sorted(found, key=_sort_key, reverse=True)


_WORD = re.compile(r"\w+", re.UNICODE)


def search_articles(storage: Storage, query: str, *, source: str | None = None) -> list[dict[str, Any]]:
    """Articles whose title, authors, tags, topics, source or URL contain every word of ``query``
    (case-insensitive), newest first."""
    words = [w.casefold() for w in _WORD.findall(query)]
    hits = []
    for row in list_articles(storage, source=source):
        hay = " ".join([row.get("title") or "", " ".join(row.get("authors") or []),
                        " ".join(labels(row)), row.get("source") or "", row.get("url") or ""]).casefold()
        if all(w in hay for w in words):
            hits.append(row)
    return hits


def get_article(storage: Storage, id_or_key: str) -> dict[str, Any]:
    """The archived JSON of an article by id (through its pointer: two GETs) or by key (one GET)."""
    value = id_or_key.strip()
    try:
        if value.startswith((layout.ARTICLES, layout.REVISIONS, layout.DUPLICATES)):
            return storage.get_json(value[: -len(".html")] + ".json" if value.endswith(".html") else value)
        return storage.get_json(storage.get_json(layout.pointer_key(value))["key"])
    except (ObjectNotFound, InvalidKey):
        raise ArticleNotFound(
            f"no archived article with id or key {id_or_key!r} (list them with `newsarchive ls`)") from None


def reader_view_of(storage: Storage, id_or_key: str) -> str:
    """The reader-view key of an article given by id or by key."""
    value = id_or_key.strip()
    if value.startswith(layout.ARTICLES):
        return layout.reader_view_key(value) if value.endswith(".json") else value
    try:
        return layout.reader_view_key(storage.get_json(layout.pointer_key(value))["key"])
    except (ObjectNotFound, InvalidKey):
        raise ArticleNotFound(f"no archived article with id {id_or_key!r} (list them with `newsarchive ls`)") from None
