"""Raw responses: a run's WARC files move from ``staging/`` to ``raw/`` when the run is processed.

``staging/<run_id>/<source>/responses.warc.gz`` -> ``raw/<source>/<YYYY>/<MM>/<DD>/<run_id>.warc.gz``
(the day the run started, from its id). A server-side copy, then the staging copy is deleted, so
the maintenance job's staging cleanup loses nothing. Idempotent and safe when two processes move
the same run: the copy is skipped when ``raw/`` already holds it, and a source that vanished in
between is looked for under ``raw/``.

Each archived record then carries ``warc_key`` (this key) next to the ``warc_record_id`` the
crawler gave it, which is what re-extraction without refetching needs (:func:`read_warc_record`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date

from pipelines import layout
from pipelines.storage import ObjectNotFound, Storage

log = logging.getLogger(__name__)


def raw_day(storage: Storage, run_id: str, staged_key: str) -> date | None:
    """The day of a run's raw key: from its id, else the staged WARC's upload day."""
    day = layout.run_date(run_id)
    if day is not None:
        return day
    head = storage.head(staged_key)
    if head is not None and head.last_modified is not None:
        return head.last_modified.astimezone(UTC).date()
    return None


def _find_raw(storage: Storage, source: str, run_id: str) -> str | None:
    suffix = f"/{layout.run_id_segment(run_id)}.warc.gz"
    return next((k for k in storage.list_keys(f"{layout.RAW}{layout.segment(source)}/") if k.endswith(suffix)), None)


def move_run_warcs(storage: Storage, run_id: str, sources: Iterable[str]) -> dict[str, str]:
    """Move each source's staged WARC of ``run_id`` under ``raw/``; return ``{source: raw key}``
    for every source whose WARC is now there (a source that staged none is left out)."""
    moved: dict[str, str] = {}
    for source in sources:
        staged = layout.staged_key(run_id, source, layout.WARC_FILE)
        day = raw_day(storage, run_id, staged)
        target = layout.raw_warc_key(source, day, run_id) if day is not None else _find_raw(storage, source, run_id)
        if target is None:
            continue
        if not storage.exists(target):
            try:
                storage.copy(staged, target)
            except ObjectNotFound:
                continue  # no WARC staged for this source (or a concurrent mover finished first)
        staged_head = storage.head(staged)
        if staged_head is not None:
            stored = storage.head(target)
            if stored is None or stored.size != staged_head.size:
                log.warning("raw WARC %s differs from %s; staging copy kept", target, staged)
            else:
                storage.delete(staged)
        if storage.exists(target):
            moved[source] = target
    return moved


@dataclass(frozen=True)
class WarcResponse:
    """A response record of a WARC file: what re-extraction needs of the fetch."""

    target_uri: str
    body: bytes  # decoded of its transfer and content encodings
    http_status: int | None
    etag: str | None
    last_modified: str | None


def warc_responses(storage: Storage, warc_key: str, record_ids: set[str]) -> dict[str, WarcResponse]:
    """The response records ``record_ids`` in ``warc_key``, by record id (one GET)."""
    from warcio.archiveiterator import ArchiveIterator

    found: dict[str, WarcResponse] = {}
    for record in ArchiveIterator(io.BytesIO(storage.get_bytes(warc_key))):
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if record.rec_type == "response" and record_id in record_ids:
            http = record.http_headers
            status = http.get_statuscode() if http is not None else None
            found[record_id] = WarcResponse(
                target_uri=record.rec_headers.get_header("WARC-Target-URI"),
                body=record.content_stream().read(),
                http_status=int(status) if status and status.isdigit() else None,
                etag=http.get_header("ETag") if http is not None else None,
                last_modified=http.get_header("Last-Modified") if http is not None else None,
            )
    return found


def read_warc_record(storage: Storage, warc_key: str, record_id: str) -> tuple[str, bytes] | None:
    """``(target URI, HTTP body)`` of the WARC response record ``record_id`` in ``warc_key``, or
    None if it is not there (for re-extraction without refetching)."""
    found = warc_responses(storage, warc_key, {record_id}).get(record_id)
    return (found.target_uri, found.body) if found is not None else None
