"""The DAG folder as Airflow's dag-processor sees it: imports with no error, parses fast, touches no
network at import, and each DAG has the shape docs/deploy.md promises."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"

# In a fresh interpreter: import Airflow first (not ours to time), then parse the folder with every
# socket connect and name lookup recorded (and refused).
PARSE = r"""
import json, socket, sys, time
from pathlib import Path
import airflow.sdk
from airflow.dag_processing.dagbag import BundleDagBag
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args)[:200])
    raise OSError("network access at DAG import")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = socket.gethostbyname = refuse
folder = Path(sys.argv[1])
started = time.perf_counter()
bag = BundleDagBag(dag_folder=str(folder), bundle_path=folder)
seconds = time.perf_counter() - started
print(json.dumps({"dags": sorted(bag.dags), "errors": {k: v[-500:] for k, v in bag.import_errors.items()},
                  "seconds": seconds, "network": attempts}))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    import os

    home = tmp_path_factory.mktemp("airflow-parse")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", PARSE, str(DAGS)], env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_dag_folder_imports_with_zero_errors(parsed: dict) -> None:
    assert parsed["errors"] == {}
    assert parsed["dags"] == ["news_crawl", "news_maintenance", "news_process"]


def test_dag_folder_parses_in_under_two_seconds_and_opens_no_connection(parsed: dict) -> None:
    assert parsed["network"] == []
    assert parsed["seconds"] < 2.0, parsed["seconds"]


@pytest.fixture(scope="module")
def dags(parsed: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    import os

    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow-home-shape")))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS).dags


def test_news_crawl_is_hourly_one_run_at_a_time_with_mapped_pooled_retried_crawls(dags: dict) -> None:
    dag = dags["news_crawl"]
    assert dag.timetable.expression == "0 * * * *"
    assert dag.catchup is False and dag.max_active_runs == 1
    crawl = dag.get_task("crawl")
    assert crawl.pool == "news_crawl"
    assert crawl.retries >= 1 and crawl.retry_exponential_backoff and crawl.max_retry_delay <= timedelta(hours=1)
    assert type(crawl).__name__.endswith("MappedOperator")  # one task instance per due source
    assert [o.name for o in dag.get_task("publish").outlets] == ["newsarchive_staged_runs"]
    assert set(dag.params) == {"sources", "max_pages", "force"}
    for name in ("sources", "max_pages", "force"):  # the UI form shows a title and a description
        assert dag.params.get_param(name).schema.get("title"), name


def test_news_process_follows_the_staged_runs_asset_and_news_maintenance_is_daily(dags: dict) -> None:
    process = dags["news_process"]
    assert "name='newsarchive_staged_runs'" in repr(process.timetable.asset_condition)
    assert process.max_active_runs == 1
    assert process.get_task("process").pool == "newsarchive_state"
    maintenance = dags["news_maintenance"]
    assert maintenance.timetable.expression == "0 0 * * *"
    assert {t.task_id for t in maintenance.tasks} == {"compact_dedup", "cleanup_staging", "rebuild_browse", "check_integrity"}
    assert maintenance.get_task("compact_dedup").pool == "newsarchive_state"
