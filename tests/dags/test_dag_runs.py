"""The DAGs run end to end with ``dag.test()`` (SQLite Airflow home) against the demo site on 127.0.0.1
and a real SeaweedFS: news_crawl stages a run, news_process archives it; manual params are honoured
and bad ones fail the run with one clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines import layout

pytestmark = pytest.mark.integration


def run_dag(env: dict[str, str], dag_id: str, conf: dict[str, Any] | None = None) -> dict[str, Any]:
    from infra.airflow_local import dag_test

    return dag_test(env, dag_id, conf)


def staged_sources(storage: Any) -> dict[str, set[str]]:
    """run id -> sources staged under staging/<run_id>/."""
    runs: dict[str, set[str]] = {}
    for key in storage.list_keys(layout.STAGING):
        parsed = layout.parse_staged_key(key)
        if parsed:
            runs.setdefault(parsed[0], set()).add(parsed[1])
    return runs


def test_news_crawl_then_news_process_archive_the_demo_site(dag_env: dict[str, str], storage: Any, demo_site: Any) -> None:
    crawl = run_dag(dag_env, "news_crawl")
    assert crawl["state"] == "success", crawl
    enabled = {"wpcom", "wpnews", "citynews"}
    assert sum(t.startswith("crawl[") for t in crawl["tasks"]) == len(enabled), crawl["tasks"]
    (run_id, sources), = staged_sources(storage).items()
    assert sources == enabled

    process = run_dag(dag_env, "news_process")
    assert process["state"] == "success", process
    report = storage.get_json(layout.process_report_key(run_id))
    assert report["failed"] == 0, report

    keys = set(storage.list_keys())
    expected = demo_site.expected
    articles = {k for k in keys if k.startswith(layout.ARTICLES) and k.endswith(".json")}
    for source in enabled:
        assert any(k.startswith(layout.article_prefix(source)) for k in articles), f"no article of {source} archived"
    # every article of the demo truth once, except one of the syndicated pair: recorded as its duplicate
    distinct = sum(len(expected[s]["articles"]) for s in enabled)
    assert len(articles) == distinct - 1, sorted(articles)
    assert report["archive"].get("duplicate") == 1, report["archive"]
    assert len([k for k in keys if k.startswith(layout.DUPLICATES)]) == 1
    assert [k for k in keys if k.startswith(layout.MANIFESTS)] == [report["manifest"]], "one manifest for the run"
    assert layout.browse_index_key() in keys, "no browse index"
    assert {k.split("/")[1] for k in keys if k.startswith(layout.RAW)} == enabled, "a raw WARC per source"

    # the daily upkeep over that archive: dedup state compacted, the recent run kept, integrity holds
    maintenance = run_dag(dag_env, "news_maintenance")
    assert maintenance["state"] == "success", maintenance
    assert set(maintenance["tasks"].values()) == {"success"}, maintenance["tasks"]



def test_manual_trigger_crawls_only_the_named_source_and_at_most_max_pages(
    airflow_home: Path, s3_settings: Any, fresh_demo_site: Any, tmp_path: Path, storage: Any
) -> None:
    from infra.airflow_local import airflow_env

    env = airflow_env(airflow_home, s3_settings, fresh_demo_site.write_sources(tmp_path / "sources.yaml"))
    result = run_dag(env, "news_crawl", {"sources": ["citynews"], "max_pages": 3})
    assert result["state"] == "success", result
    assert [t for t in result["tasks"] if t.startswith("crawl[")] == ["crawl[0]"]
    (run_id, sources), = staged_sources(storage).items()
    assert sources == {"citynews"}
    requests = [r for r in fresh_demo_site.request_log if not r.path.endswith("/robots.txt")]
    assert {r.site for r in requests} == {"citynews"}, {r.site for r in requests}
    # max_pages counts pages of the source: its feeds and sitemaps are how pages are found
    pages = [r for r in requests if not r.path.endswith((".xml", ".atom", ".rss", "/feed/"))]
    assert len(pages) <= 3, [r.path for r in requests]
    summary = storage.get_json(layout.run_summary_key(run_id))["sources"]["citynews"]
    assert "max_pages" in summary["limits_hit"]


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"sources": ["no-such-source"]}, "no source with id 'no-such-source' (known: "),
        ({"max_pages": -1}, "max_pages"),
    ],
)
def test_bad_params_fail_the_run_with_one_clear_message(dag_env: dict[str, str], storage: Any, conf: dict[str, Any], message: str) -> None:
    result = run_dag(dag_env, "news_crawl", conf)
    assert result["state"] in ("failed", "rejected"), result
    text = result.get("error") or Path(result["log_file"]).read_text(encoding="utf-8")
    assert message in text, text[-3000:]
    assert not list(storage.list_keys(layout.STAGING)), "a rejected run must stage nothing"
