"""Manifests: one Parquet file per processed run, one row per archived article or duplicate.

``manifests/date=<YYYY-MM-DD>/<run_id>.parquet`` (Hive-style partition: DuckDB, Athena, Spark and
pyarrow read ``date`` as a column). The columns are :data:`SCHEMA` (documented in
``docs/storage.md``); ``schema_version`` says which version of it a file follows, and a column is
only ever added, never renamed or retyped.

A row is a pure function of the processed record, so re-processing a run produces the same file
(and the same ETag): the manifest is created once, and rewritten only if its rows differ (a
re-run that archived records the first run failed on). ``key`` is where the record was archived
as it was processed: the latest-revision JSON for an article, the duplicate record for a duplicate.
A later revision moves an article's JSON to ``revisions/<id>/<content_hash>.json``; the pointer
``_state/articles/<id>.json`` always knows the latest (``newsarchive show ID`` follows it).

Reading: :func:`read_manifest_rows` (rows as dicts, through :class:`~pipelines.storage.Storage`),
:func:`read_manifests` (one ``pyarrow.Table``), :func:`manifest_dataset` (a lazy
``pyarrow.dataset`` straight from the bucket, which DuckDB queries as a table: see
:func:`duckdb_connect`; no DuckDB extension is downloaded).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines import layout
from pipelines.archive.archiver import archived_key
from pipelines.models import Article
from pipelines.storage import ObjectNotFound, PreconditionFailed, S3Settings, Storage

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CONTENT_TYPE = "application/vnd.apache.parquet"
ROWS_HASH_META = "rows-sha256"

#: The manifest columns (contract: add columns, never rename or retype one).
SCHEMA = pa.schema([
    pa.field("schema_version", pa.int16(), nullable=False),
    pa.field("id", pa.string(), nullable=False),
    pa.field("key", pa.string(), nullable=False),
    pa.field("url", pa.string(), nullable=False),
    pa.field("canonical_url", pa.string()),
    pa.field("source", pa.string()),
    pa.field("title", pa.string()),
    pa.field("authors", pa.list_(pa.string())),
    pa.field("published", pa.timestamp("us", tz="UTC")),
    pa.field("language", pa.string()),
    pa.field("topics", pa.list_(pa.string())),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("categories", pa.list_(pa.string())),
    pa.field("duplicate_of", pa.string()),
    pa.field("duplicate_kind", pa.string()),
    pa.field("similarity", pa.float64()),
    pa.field("revision", pa.int32()),
    pa.field("content_hash", pa.string()),
    pa.field("word_count", pa.int32()),
    pa.field("run_id", pa.string()),
    pa.field("warc_key", pa.string()),
    pa.field("warc_record_id", pa.string()),
    pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
])
COLUMNS = tuple(SCHEMA.names)


def manifest_row(record: Article) -> dict[str, Any]:
    """The manifest row of a processed (deduplicated, tagged) record."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": str(record.id),
        "key": archived_key(record),
        "url": record.url,
        "canonical_url": record.canonical_url,
        "source": record.source,
        "title": record.title,
        "authors": list(record.authors),
        "published": _utc(record.published),
        "language": record.language,
        "topics": list(record.topics),
        "tags": list(record.tags),
        "categories": list(record.categories),
        "duplicate_of": record.duplicate_of,
        "duplicate_kind": record.duplicate_kind,
        "similarity": record.similarity,
        "revision": record.revision,
        "content_hash": record.content_hash,
        "word_count": record.word_count,
        "run_id": record.run_id,
        "warc_key": record.warc_key,
        "warc_record_id": record.warc_record_id,
        "fetched_at": _utc(record.fetched_at),
    }


def _utc(when: datetime | None) -> datetime | None:
    return when.astimezone(UTC) if when is not None else None


def manifest_day(run_id: str, records: Sequence[dict[str, Any]] = ()) -> date:
    """The partition of a run's manifest: the day in its run id, else the earliest fetch, else today."""
    day = layout.run_date(run_id)
    if day is not None:
        return day
    fetched = [r["fetched_at"] for r in records if r.get("fetched_at") is not None]
    return min(fetched).date() if fetched else datetime.now(UTC).date()


def to_parquet(rows: Sequence[dict[str, Any]]) -> bytes:
    """Rows as Parquet bytes (zstd; deterministic for the same rows)."""
    table = pa.Table.from_pylist(list(rows), schema=SCHEMA)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def write_manifest(storage: Storage, run_id: str, rows: Sequence[dict[str, Any]]) -> str | None:
    """Write the run's manifest (see the module docstring); return its key, or None for no rows.

    Idempotent: an existing manifest with the same rows is left as it is (one HEAD); other rows
    replace it with ``If-Match``."""
    if not rows:
        return None
    key = layout.manifest_key(manifest_day(run_id, rows), run_id)
    body = to_parquet(rows)
    digest = hashlib.sha256(body).hexdigest()
    meta = {ROWS_HASH_META: digest, "schema-version": str(SCHEMA_VERSION), "rows": str(len(rows))}
    try:
        storage.put_bytes(key, body, content_type=CONTENT_TYPE, metadata=meta, if_none_match=True)
        return key
    except PreconditionFailed:
        pass
    current = storage.head(key)
    if current is not None and current.metadata.get(ROWS_HASH_META) == digest:
        return key
    try:
        if current is None:
            storage.put_bytes(key, body, content_type=CONTENT_TYPE, metadata=meta, if_none_match=True)
        else:
            storage.put_bytes(key, body, content_type=CONTENT_TYPE, metadata=meta, if_match=current.etag)
    except PreconditionFailed:
        log.warning("manifest %s: changed by a concurrent writer of the same run; kept theirs", key)
    return key


# --------------------------------------------------------------------------- reading


def manifest_keys(storage: Storage, *, since: date | None = None, until: date | None = None,
                  run_ids: Iterable[str] | None = None) -> list[str]:
    """Keys of the manifests (oldest first), optionally only of days ``since``..``until`` and runs."""
    wanted = set(run_ids) if run_ids is not None else None
    keys = []
    for key in storage.list_keys(layout.MANIFESTS):
        day, run_id = _parse_manifest_key(key)
        if day is None or (since and day < since) or (until and day > until):
            continue
        if wanted is not None and run_id not in wanted:
            continue
        keys.append(key)
    return keys


def _parse_manifest_key(key: str) -> tuple[date | None, str]:
    parts = key[len(layout.MANIFESTS):].split("/")
    if len(parts) != 2 or not parts[0].startswith("date=") or not parts[1].endswith(".parquet"):
        return None, ""
    try:
        return date.fromisoformat(parts[0][len("date="):]), parts[1][: -len(".parquet")]
    except ValueError:
        return None, ""


def read_manifests(storage: Storage, *, since: date | None = None, until: date | None = None,
                   run_ids: Iterable[str] | None = None, columns: Sequence[str] | None = None) -> pa.Table:
    """Every manifest row (of days ``since``..``until`` / of ``run_ids``) as one ``pyarrow.Table``
    with :data:`SCHEMA` (older files get the columns they lack as nulls). A manifest that cannot be
    read is logged and skipped."""
    tables = []
    for key in manifest_keys(storage, since=since, until=until, run_ids=run_ids):
        try:
            table = pq.read_table(io.BytesIO(storage.get_bytes(key)))
        except ObjectNotFound:
            continue  # removed between list and get
        except (pa.ArrowException, OSError) as exc:
            log.warning("manifest %s: unreadable (%s); skipped", key, exc)
            continue
        tables.append(_conform(table))
    if not tables:
        return SCHEMA.empty_table().select(list(columns or COLUMNS))
    table = pa.concat_tables(tables)
    return table.select(list(columns)) if columns else table


def _conform(table: pa.Table) -> pa.Table:
    arrays = [table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
              for f in SCHEMA]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def read_manifest_rows(storage: Storage, *, since: date | None = None, until: date | None = None,
                       run_ids: Iterable[str] | None = None, latest: bool = False) -> list[dict[str, Any]]:
    """Manifest rows as dicts (columns :data:`COLUMNS`, oldest run first). ``latest=True`` keeps one
    row per article id: the highest revision, then the latest run (duplicates keep their own id)."""
    rows = read_manifests(storage, since=since, until=until, run_ids=run_ids).to_pylist()
    return latest_rows(rows) if latest else rows


def labels(row: Mapping[str, Any]) -> list[str]:
    """A row's topics, page categories and page tags, once each (what browse pages and ``ls --tag`` use)."""
    return list(dict.fromkeys([*(row.get("topics") or []), *(row.get("categories") or []), *(row.get("tags") or [])]))


def latest_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per ``id``: the highest ``revision``, ties to the latest ``run_id``; original order."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        current = best.get(row["id"])
        rank = (row.get("revision") or 0, row.get("run_id") or "")
        if current is None or rank >= (current.get("revision") or 0, current.get("run_id") or ""):
            best[row["id"]] = row
    return list(best.values())


# --------------------------------------------------------------------------- straight from the bucket


def s3_filesystem(settings: S3Settings) -> Any:
    """A ``pyarrow.fs.S3FileSystem`` for ``settings`` (endpoint, credentials, region; path style)."""
    from urllib.parse import urlsplit

    from pyarrow import fs

    kwargs: dict[str, Any] = {"region": settings.region}
    if settings.access_key_id:
        kwargs.update(access_key=settings.access_key_id, secret_key=settings.secret_access_key)
    if settings.endpoint_url:
        parts = urlsplit(settings.endpoint_url)
        kwargs.update(endpoint_override=parts.netloc, scheme=parts.scheme or "https")
    return fs.S3FileSystem(**kwargs)


def manifest_dataset(settings: S3Settings) -> Any:
    """Every manifest in the bucket as one lazy ``pyarrow.dataset.Dataset`` (``date`` from the
    partition path). DuckDB scans it directly: ``duckdb.sql("select ... from ds")``."""
    import pyarrow.dataset as ds

    return ds.dataset(f"{settings.bucket}/{layout.MANIFESTS}", filesystem=s3_filesystem(settings), format="parquet",
                      partitioning=ds.partitioning(pa.schema([("date", pa.string())]), flavor="hive"),
                      schema=SCHEMA.append(pa.field("date", pa.string())))


def duckdb_connect(settings: S3Settings, table: str = "manifests") -> Any:
    """A DuckDB connection with the bucket's manifests registered as the view ``table``."""
    import duckdb

    con = duckdb.connect()
    con.register(table, manifest_dataset(settings))
    return con
