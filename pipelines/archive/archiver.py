"""Archive writes (DESIGN.md layout): latest revision, reader view, earlier revisions, duplicates, aliases.

- ``articles/<source>/<YYYY>/<MM>/<DD>/<slug>-<id>.json``: an article, latest revision;
- ``articles/<source>/<YYYY>/<MM>/<DD>/<slug>-<id>.html``: its reader view (:mod:`pipelines.archive.reader`);
- ``revisions/<id>/<content-hash>.json``: an earlier revision, copied there when superseded;
- ``_state/articles/<id>.json``: where the latest revision of ``<id>`` lives (key, hash, revision);
- ``_state/duplicates/<original-id>/<id>-<content-hash>.json``: a duplicate record, kept whole;
  its URL is also added to the original's ``aliases``.

Every write is conditional (``If-None-Match`` to create, ``If-Match`` to replace) and skipped
when the stored object already says the same, so re-archiving a run changes nothing.

S3 requests per record: a new article costs one read (its pointer, absent) and three writes (JSON,
reader view, pointer); an unchanged one the read alone; a revision two reads (pointer, current
JSON) and four or five writes (the old JSON copied to ``revisions/``, new JSON, reader view,
pointer; a delete of the old pair when its key changed). ``bench/process.py`` counts them.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from datetime import UTC, datetime

from pipelines import layout
from pipelines.archive.reader import CONTENT_TYPE as HTML_TYPE
from pipelines.archive.reader import render_reader_view
from pipelines.layout import pointer_key, reader_view_key, revision_key
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


def archived_key(record: Article) -> str:
    """Where a processed record is archived: its duplicate record, else its latest-revision JSON."""
    return duplicate_key(record) if record.duplicate_of else article_key(record)


def _metadata(record: Article) -> dict[str, str]:
    """Tags as S3 metadata (ASCII only: they travel as HTTP headers)."""
    meta = {
        "language": record.language or "",
        "topics": ",".join(t for t in record.topics if t.isascii()),
        "content-hash": record.content_hash or "",
        "revision": str(record.revision),
    }
    return {k: v for k, v in meta.items() if v}


class _LostRace(Exception):
    """Another writer changed the article's pointer between our read and our write."""


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

    def _write_reader_view(self, key: str, record: Article, *, replace: bool) -> None:
        """The reader view beside ``key``: created once, or replaced (a new revision at the same key)."""
        body = render_reader_view(record, key)
        try:
            self.storage.put_bytes(reader_view_key(key), body, content_type=HTML_TYPE, if_none_match=not replace)
        except PreconditionFailed:
            pass  # written by an earlier, interrupted attempt of this same record

    def archive(self, record: Article, *, presumed_new: bool = False) -> str:
        """Write one record where it belongs and return the outcome. ``presumed_new``: the dedup
        stage has never seen this URL, so the pointer is not read first (one request less); if
        the article is there after all, the conditional create notices and the pointer decides."""
        if not record.id or not record.content_hash:
            raise ValueError("archive: record has no id or content hash (run the dedup stage first)")
        if record.duplicate_of:
            outcome = self._archive_duplicate(record)
        else:
            outcome = self._archive_article(record, presumed_new=presumed_new)
        with self._lock:
            self.outcomes[outcome] += 1
        return outcome

    def archive_many(self, records: list[Article], threads: Executor, presumed_new: set[str] | frozenset[str] = frozenset()
                     ) -> list[str | BaseException]:
        """Archive a batch on ``threads`` (S3 round trips dominate) in the order that matters:
        records of one article in sequence, articles before the duplicates that alias them.
        ``presumed_new``: ids the dedup stage saw for the first time. Returns each record's
        outcome, or the exception it raised, in the batch's order."""
        groups: dict[tuple[int, str], list[int]] = {}
        for position, record in enumerate(records):
            target = record.duplicate_of or record.id or ""
            groups.setdefault((1 if record.duplicate_of else 0, target), []).append(position)
        outcomes: list[str | BaseException] = [""] * len(records)

        def run(positions: list[int]) -> None:
            for position in positions:
                try:
                    record = records[position]
                    outcomes[position] = self.archive(record, presumed_new=record.id in presumed_new)
                except Exception as exc:  # noqa: BLE001 - returned to the caller, who counts it
                    outcomes[position] = exc

        for phase in (0, 1):
            for future in [threads.submit(run, g) for (p, _), g in groups.items() if p == phase]:
                future.result()
        return outcomes

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

    def _archive_article(self, record: Article, *, presumed_new: bool = False) -> str:
        for _attempt in range(5):  # a concurrent writer of the same article: look again, decide again
            try:
                return self._archive_article_once(record, presumed_new=presumed_new)
            except _LostRace:
                presumed_new = False
        raise PreconditionFailed(f"{pointer_key(str(record.id))}: too many concurrent writers of article {record.id}")

    def _archive_article_once(self, record: Article, *, presumed_new: bool) -> str:
        ptr_key = pointer_key(str(record.id))
        stored_pointer = None
        if not presumed_new:  # dedup saw this URL before: its pointer says where the archive is
            try:
                stored_pointer = self.storage.get(ptr_key)
            except ObjectNotFound:
                pass
        pointer = stored_pointer.json() if stored_pointer is not None else None
        if pointer is not None and pointer.get("content_hash") == record.content_hash:
            return "unchanged"
        if pointer is not None and int(pointer.get("revision", 1)) > record.revision:
            created = self._create(revision_key(str(record.id), str(record.content_hash)), record)
            return "earlier-revision" if created else "unchanged"
        key = article_key(record)
        created = False
        if pointer is None:
            created = self._create(key, record)
            if not created:
                if presumed_new:
                    raise _LostRace  # archived before after all (a re-run, a concurrent process): read the pointer
                stored = self.storage.get_json(key)
                if stored.get("content_hash") != record.content_hash:
                    raise PreconditionFailed(f"{key}: exists with other content and no pointer (concurrent writer?)")
            self._write_reader_view(key, record, replace=False)
            outcome = "written"
        else:
            outcome = self._supersede(record, pointer, key)
        # Conditional on the pointer read above (or on its absence): a concurrent writer of the
        # same article makes us look again instead of silently losing a revision.
        new_pointer = {"key": key, "content_hash": record.content_hash, "revision": record.revision, "source": record.source}
        try:
            if stored_pointer is None:
                self.storage.put_json(ptr_key, new_pointer, if_none_match=True)
            else:
                self.storage.put_json(ptr_key, new_pointer, if_match=stored_pointer.etag)
        except PreconditionFailed:
            if created:
                self._discard(key, ptr_key)
            raise _LostRace from None
        return outcome

    def _discard(self, key: str, ptr_key: str) -> None:
        """Remove the pair we just created when another writer's pointer won and names another key."""
        try:
            winner = self.storage.get_json(ptr_key)
        except ObjectNotFound:
            return
        if winner.get("key") != key:
            self.storage.delete(key)
            self.storage.delete(reader_view_key(key))

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
        self._write_reader_view(key, record, replace=True)
        if current is not None and old_key != key:
            self.storage.delete(old_key)
            self.storage.delete(reader_view_key(old_key))
        return "revised"
