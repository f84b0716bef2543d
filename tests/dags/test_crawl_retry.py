"""A crawl task whose crawl is SIGKILLed mid-run is retried by Airflow and leaves the archive as a clean
run would: every article once, no duplicate, none lost."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from pipelines import layout

pytestmark = pytest.mark.integration


def _crawl_processes(sources_file: Path) -> list[Any]:
    import psutil

    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info["cmdline"] or []
        if "spiders.run" in cmd and str(sources_file) in cmd:
            found.append(proc)
    return found


def test_a_crawl_killed_mid_run_is_retried_without_duplicate_or_lost_article(
    airflow_home: Path, s3_settings: Any, fresh_demo_site: Any, tmp_path: Path, storage: Any
) -> None:
    from infra.airflow_local import airflow_env, dag_test

    sources_file = fresh_demo_site.write_sources(tmp_path / "sources.yaml").resolve()
    env = airflow_env(airflow_home, s3_settings, sources_file, extra={"NEWSARCHIVE_RETRY_DELAY_SECONDS": "1"})
    articles = set(fresh_demo_site.expected["wpnews"]["articles"])
    killed: list[int] = []

    def kill_mid_run() -> None:
        end = time.monotonic() + 300
        while time.monotonic() < end and not killed:
            served = {fresh_demo_site.url("wpnews", r.path) for r in fresh_demo_site.requests_to("wpnews")}
            procs = _crawl_processes(sources_file)
            if procs and len(served & articles) >= 3:
                for proc in procs:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed.append(proc.pid)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_mid_run, daemon=True)
    killer.start()
    result = dag_test(env, "news_crawl", {"sources": ["wpnews"]})
    killer.join(5)
    assert killed, "the crawl was never seen running"
    assert result["state"] == "success", result
    assert result["tries"]["crawl[0]"] == 2, result  # the killed try, then the retry

    staged = [k for k in storage.list_keys(layout.STAGING) if k.endswith(layout.RECORDS_FILE)]
    assert len(staged) == 1
    processed = dag_test(env, "news_process")
    assert processed["state"] == "success", processed
    keys = set(storage.list_keys())
    archived = {k for k in keys if k.startswith(layout.article_prefix("wpnews")) and k.endswith(".json")}
    urls = {storage.get_json(k)["url"] for k in archived}
    assert urls == articles, {"lost": articles - urls, "unexpected": urls - articles}
    assert len(archived) == len(articles)  # one object per article: no duplicate
    assert not [k for k in keys if k.startswith(layout.DUPLICATES)]
