"""Archive writes (DESIGN.md layout): latest revision, earlier revisions, duplicates, aliases.

- ``articles/<source>/<YYYY>/<MM>/<DD>/<slug>-<id>.json``: an article, latest revision;
- ``revisions/<id>/<content-hash>.json``: an earlier revision, copied there when superseded;
- ``_state/articles/<id>.json``: where the latest revision of ``<id>`` lives (key, hash, revision);
- ``_state/duplicates/<original-id>/<id>-<content-hash>.json``: a duplicate record, kept whole;
  its URL is also added to the original's ``aliases``.

Every write is conditional (``If-None-Match`` to create, ``If-Match`` to replace) and skipped
when the stored object already says the same, so re-archiving a run changes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from pipelines import layout
from pipelines.layout import pointer_key, revision_key
from pipelines.models import Article
from pipelines.storage import ObjectNotFound, PreconditionFailed, Storage

log = logging.getLogger(__name__)

ARCHIVE_OUTCOMES = ("written", "revised", "unchanged", "earlier-revision", "duplicate", "duplicate-unchanged")


def article_key(record: Article) -> str:
    """Key of the latest revision: dated by publication (else fetch) time, named by slug and id."""
    when = record.published or record.fetched_at or record.modified or datetime.now(UTC)
    when = when.astimezone(UTC)
    return layout.article_key(record.source, when, record.title, str(record.id))


def duplicate_key(record: Article) -> str:
    """Key of a duplicate record, filed under the article it duplicates."""
    return layout.duplicate_key(str(record.duplicate_of), str(record.id), str(record.content_hash))


def _metadata(record: Article) -> dict[str, str]:
    """Tags as S3 metadata (ASCII only: they travel as HTTP headers)."""
    meta = {
        "language": record.language or "",
        "topics": ",".join(t for t in record.topics if t.isascii()),
        "content-hash": record.content_hash or "",
        "revision": str(record.revision),
    }
    return {k: v for k, v in meta.items() if v}


class Archiver:
    """The archive stage: ``outcome = Archiver(storage).archive(record)`` for a deduplicated,
    tagged record (rejected ones are not archived). ``outcomes`` counts :data:`ARCHIVE_OUTCOMES`."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.outcomes: Counter[str] = Counter()
        self._lock = threading.Lock()  # archive() may run in several threads (one article per thread)

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        for record in records:
            if record.rejected is None:
                self.archive(record)
            yield record

    def _create(self, key: str, record: Article) -> bool:
        """Create ``key``; False if it already exists (a re-run)."""
        try:
            self.storage.put_json(key, record.to_json_dict(), if_none_match=True, metadata=_metadata(record))
        except PreconditionFailed:
            return False
        return True

    def archive(self, record: Article) -> str:
        """Write one record where it belongs and return the outcome."""
        if not record.id or not record.content_hash:
            raise ValueError("archive: record has no id or content hash (run the dedup stage first)")
        outcome = self._archive_duplicate(record) if record.duplicate_of else self._archive_article(record)
        with self._lock:
            self.outcomes[outcome] += 1
        return outcome

    def _archive_duplicate(self, record: Article) -> str:
        created = self._create(duplicate_key(record), record)
        self.add_alias(str(record.duplicate_of), record.url)
        return "duplicate" if created else "duplicate-unchanged"

    def add_alias(self, article_id: str, url: str) -> bool:
        """Add ``url`` to the ``aliases`` of the archived article; False if it is not archived (yet)."""
        try:
            pointer = self.storage.get_json(pointer_key(article_id))
        except ObjectNotFound:
            log.warning("alias %s: article %s is not archived yet; the duplicate record keeps it", url, article_id)
            return False

        for _attempt in range(5):  # read-modify-write; unlike update_json it keeps the object's metadata
            try:
                current = self.storage.get(pointer["key"])
            except ObjectNotFound:
                return False
            doc = current.json()
            if url == doc.get("url") or url in doc.get("aliases", []):
                return True
            doc["aliases"] = [*doc.get("aliases", []), url]
            try:
                self.storage.put_json(pointer["key"], doc, if_match=current.etag, metadata=current.metadata)
                return True
            except (PreconditionFailed, ObjectNotFound):
                continue
        raise PreconditionFailed(f"{pointer['key']}: too many concurrent writers while adding alias {url}")

    def _archive_article(self, record: Article) -> str:
        ptr_key = pointer_key(str(record.id))
        try:
            stored_pointer = self.storage.get(ptr_key)
        except ObjectNotFound:
            stored_pointer = None
        pointer = stored_pointer.json() if stored_pointer is not None else None
        if pointer is not None and pointer.get("content_hash") == record.content_hash:
            return "unchanged"
        if pointer is not None and int(pointer.get("revision", 1)) > record.revision:
            created = self._create(revision_key(str(record.id), str(record.content_hash)), record)
            return "earlier-revision" if created else "unchanged"
        key = article_key(record)
        if pointer is None:
            if not self._create(key, record):
                stored = self.storage.get_json(key)
                if stored.get("content_hash") != record.content_hash:
                    raise PreconditionFailed(f"{key}: exists with other content and no pointer (concurrent writer?)")
            outcome = "written"
        else:
            outcome = self._supersede(record, pointer, key)
        # Conditional on the pointer read above: a concurrent writer of the same article makes this
        # record fail (counted; a re-run settles it) instead of silently losing a revision.
        new_pointer = {"key": key, "content_hash": record.content_hash, "revision": record.revision, "source": record.source}
        if stored_pointer is None:
            self.storage.put_json(ptr_key, new_pointer, if_none_match=True)
        else:
            self.storage.put_json(ptr_key, new_pointer, if_match=stored_pointer.etag)
        return outcome

    def _supersede(self, record: Article, pointer: dict, key: str) -> str:
        """Move the current latest revision to ``revisions/`` and put ``record`` in its place."""
        old_key = pointer["key"]
        try:
            current = self.storage.get(old_key)
        except ObjectNotFound:
            current = None
        if current is not None:
            old_doc = current.json()
            try:
                self.storage.put_bytes(revision_key(str(record.id), pointer["content_hash"]), current.body,
                                       content_type="application/json", if_none_match=True)
            except PreconditionFailed:
                pass
            record.aliases = list(dict.fromkeys([*old_doc.get("aliases", []), *record.aliases]))
        body = record.to_json_dict()
        if current is not None and old_key == key:
            self.storage.put_json(key, body, if_match=current.etag, metadata=_metadata(record))
        else:
            self.storage.put_json(key, body, if_none_match=True, metadata=_metadata(record))
            if current is not None:
                self.storage.delete(old_key)
        return "revised"
