"""The maintenance jobs against a real SeaweedFS: which staged runs can be deleted (only processed ones
whose WARC is archived), and an integrity check that names what is missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipelines import layout
from pipelines.jobs.maintenance import IntegrityError, check_integrity, cleanup_staging

pytestmark = pytest.mark.integration

OLD, NEW, HALF = "20261101T100000Z-aaaaaa", "20261130T100000Z-bbbbbb", "20261129T100000Z-cccccc"


def stage(storage: Any, run_id: str, source: str = "src", *, complete: bool = True) -> None:
    for name in (layout.RECORDS_FILE, layout.WARC_FILE, layout.SUMMARY_FILE):
        storage.put_bytes(layout.staged_key(run_id, source, name), b"x")
    if complete:
        storage.put_json(layout.run_summary_key(run_id), {"run_id": run_id})


def test_cleanup_deletes_only_processed_runs_whose_warc_is_archived(storage: Any) -> None:
    for run in (OLD, NEW, HALF):
        stage(storage, run)
    storage.put_json(layout.process_report_key(OLD), {})
    storage.put_json(layout.process_report_key(HALF), {})
    # processing moved OLD's WARC under raw/; HALF's is still in staging
    storage.put_bytes(layout.raw_warc_key("src", datetime(2026, 11, 1, tzinfo=UTC), OLD), b"warc")
    storage.delete(layout.staged_key(OLD, "src", layout.WARC_FILE))
    report = cleanup_staging(storage, older_than=timedelta(days=1), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert report.deleted_runs == [OLD]
    assert report.kept == {NEW: "not processed", HALF: "raw WARC not archived yet"}
    assert not list(storage.list_keys(layout.staging_run_prefix(OLD)))
    assert list(storage.list_keys(layout.staging_run_prefix(HALF)))


def test_integrity_check_names_rows_without_object_and_articles_in_no_manifest(storage: Any) -> None:
    listed = layout.article_key("src", datetime(2026, 11, 30, tzinfo=UTC), "Listed", "1" * 16)
    unlisted = layout.article_key("src", datetime(2026, 11, 30, tzinfo=UTC), "Unlisted", "2" * 16)
    gone = layout.article_key("src", datetime(2026, 11, 30, tzinfo=UTC), "Gone", "3" * 16)
    storage.put_json(listed, {})
    storage.put_json(unlisted, {})
    assert check_integrity(storage, rows=[{"key": listed}, {"key": unlisted}]).ok
    with pytest.raises(IntegrityError) as failure:
        check_integrity(storage, rows=[{"key": listed}, {"key": gone}])
    message = str(failure.value)
    assert f"1 manifest rows whose object is missing: {gone}" in message
    assert f"1 latest articles in no manifest: {unlisted}" in message
