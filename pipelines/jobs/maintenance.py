"""The maintenance jobs (the daily ``news_maintenance`` DAG calls them; each also runs alone).

- :func:`cleanup_staging`: delete ``staging/<run_id>/`` of runs that are processed and whose raw WARC
  is kept under ``raw/``;
- :func:`compact_dedup`: rewrite the stored near-duplicate state as one segment;
- :func:`check_integrity`: every manifest row has its object, every latest article is in a manifest;
  :class:`IntegrityError` names what is missing.

Nothing here deletes what is not safe to delete: a staged run is only removed once its articles are
archived (a processing report exists) and its WARC was moved under ``raw/``. Which runs are staged or
processed is :mod:`pipelines.jobs.process`'s to say (``staged_runs``, ``unprocessed_runs``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipelines import layout
from pipelines.storage import Storage

log = logging.getLogger(__name__)

DEFAULT_STAGING_RETENTION = timedelta(days=1)
MAX_LISTED_MISSING = 20
_RUN_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


class IntegrityError(RuntimeError):
    """The archive is inconsistent; the message names the first missing objects and counts them all."""


@dataclass
class CleanupReport:
    """What :func:`cleanup_staging` deleted and what it kept, with the reason."""

    deleted_runs: list[str] = field(default_factory=list)
    deleted_objects: int = 0
    kept: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        reasons: dict[str, int] = {}
        for reason in self.kept.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        kept = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) or "none"
        return f"staging cleanup: deleted {len(self.deleted_runs)} run(s) ({self.deleted_objects} objects); kept: {kept}"


def cleanup_staging(
    storage: Storage, *, older_than: timedelta = DEFAULT_STAGING_RETENTION, now: datetime | None = None, dry_run: bool = False
) -> CleanupReport:
    """Delete ``staging/<run_id>/`` of every run that is processed, whose WARCs were all moved under
    ``raw/`` (none is left in staging) and that started more than ``older_than`` ago. Everything else
    is kept, with the reason."""
    from pipelines.jobs.process import processed_runs, staged_runs

    now = now or datetime.now(UTC)
    processed = processed_runs(storage)
    report = CleanupReport()
    for run_id in sorted(staged_runs(storage)):
        started = run_started(run_id)
        if run_id not in processed:
            report.kept[run_id] = "not processed"
            continue
        keys = list(storage.list_keys(layout.staging_run_prefix(run_id)))
        if any(key.endswith("/" + layout.WARC_FILE) for key in keys):
            report.kept[run_id] = "raw WARC not archived yet"
        elif started is not None and now - started < older_than:
            report.kept[run_id] = "recent"
        else:
            if not dry_run:
                # run.json last: a half-deleted run stays "complete" only while its records still exist
                for key in sorted(keys, key=lambda k: k.endswith("/" + layout.RUN_FILE)):
                    storage.delete(key)
            report.deleted_runs.append(run_id)
            report.deleted_objects += len(keys)
    log.info("%s", report)
    return report


def run_started(run_id: str) -> datetime | None:
    """When a run started, read from its id (``YYYYMMDDTHHMMSSZ-…``), or None for another shape."""
    try:
        return datetime.strptime(run_id[:16], _RUN_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def compact_dedup(storage: Storage, config: Any = None) -> str | None:
    """Rewrite the stored near-duplicate state as one segment; returns its key (None: nothing stored).
    Run it when no processing run is active (the DAGs make it so)."""
    from pipelines.dedup import DedupConfig, DedupState

    state = DedupState.load(storage, config or DedupConfig())
    key = state.compact(storage)
    log.info("dedup state compacted into %s", key or "(nothing to compact)")
    return key


@dataclass
class IntegrityReport:
    """Counts of an integrity check and the keys found missing."""

    manifest_rows: int = 0
    articles: int = 0
    rows_without_object: list[str] = field(default_factory=list)
    articles_without_row: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.rows_without_object or self.articles_without_row)

    def __str__(self) -> str:
        lines = [f"integrity: {self.manifest_rows} manifest row(s), {self.articles} latest article(s)"]
        for title, keys in (
            ("manifest rows whose object is missing", self.rows_without_object),
            ("latest articles in no manifest", self.articles_without_row),
        ):
            if keys:
                shown = ", ".join(keys[:MAX_LISTED_MISSING]) + (" …" if len(keys) > MAX_LISTED_MISSING else "")
                lines.append(f"{len(keys)} {title}: {shown}")
        return "; ".join(lines)


def check_integrity(storage: Storage, rows: Iterable[Mapping[str, Any]] | None = None) -> IntegrityReport:
    """Check that every manifest row's object exists and every latest article JSON is in a manifest.

    ``rows`` defaults to the latest manifest row of every article in the bucket (``pipelines.archive.manifests``). Raises
    :class:`IntegrityError` naming what is missing; returns the report when all is well.
    """
    if rows is None:
        from pipelines.archive.manifests import read_manifest_rows

        rows = read_manifest_rows(storage, latest=True)
    row_keys = {str(row["key"]) for row in rows if row.get("key")}
    prefixes = sorted({key.split("/", 1)[0] + "/" for key in row_keys} | {layout.ARTICLES})
    existing = {key for prefix in prefixes for key in storage.list_keys(prefix)}
    latest = {key for key in existing if key.startswith(layout.ARTICLES) and key.endswith(".json")}
    report = IntegrityReport(
        manifest_rows=len(row_keys),
        articles=len(latest),
        rows_without_object=sorted(row_keys - existing),
        articles_without_row=sorted(latest - row_keys),
    )
    if not report.ok:
        raise IntegrityError(str(report))
    log.info("%s", report)
    return report
