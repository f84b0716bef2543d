"""The real multi-worker run (``make multiworker``): PostgreSQL, Redis, CeleryExecutor with two workers,
scheduler, dag-processor and api-server; news_crawl over the demo sources, news_process following
its Asset event; one crawl task is SIGKILLed mid-crawl. Task instances must run on both workers, the
killed task must be retried, and the archive must hold exactly the keys of a single-process run over
the same sources (no article lost, none twice)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15 server binaries not installed")
def test_two_celery_workers_archive_what_one_process_archives(tmp_path: Path) -> None:
    pytest.importorskip("airflow.providers.celery", reason="the airflow extra (Celery provider) is not installed")
    from infra.multiworker import run

    report = run(tmp_path, timeout=600)
    summary = json.dumps({k: v for k, v in report.items() if k != "task_instances"}, indent=1, default=str)
    assert report["checks"]["ran_on_both_workers"], summary
    assert report["checks"]["killed_crawl_task_retried"], summary  # SIGKILLed mid-crawl, retried
    assert report["checks"]["same_keys_as_single_process"], summary
    ran = [ti for ti in report["task_instances"] if ti["state"] == "success"]
    assert {ti["dag_id"] for ti in ran} == {"news_crawl", "news_process"}
    assert len([ti for ti in ran if ti["task_id"] == "crawl"]) == 3
