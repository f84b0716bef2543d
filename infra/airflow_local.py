"""Airflow on this machine for the project's DAGs: the environment, ``dag.test()`` runs, pools.

Used by ``newsarchive demo`` (news_crawl then news_process once through ``dag.test()`` on a SQLite
home), by ``newsarchive stack up`` (``airflow standalone``), by the multi-worker run and by the tests.
Every Airflow process gets its configuration from :func:`airflow_env`: the DAG folder of this
checkout, no examples, the ``newsarchive_s3`` connection and the ``newsarchive_sources`` Variable as
``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` environment variables (never written to a file or a log), and
every listening socket on 127.0.0.1.

``python -m infra.airflow_local test DAG_ID [--conf JSON] --result FILE`` runs one DAG with
``dag.test()`` in the current environment and writes ``{"dag_id", "state", "tasks": {...}}`` to FILE;
exit status 0 when the run succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.storage import S3Settings

REPO = Path(__file__).resolve().parents[1]
DAGS_FOLDER = REPO / "dags"
HOST = "127.0.0.1"
S3_CONN_ID = "newsarchive_s3"
SOURCES_VARIABLE = "NEWSARCHIVE_SOURCES"  # AIRFLOW_VAR_<key upper-cased>: Variable "newsarchive_sources"
#: name -> (slots, description); the DAGs use them (dags/_common.py)
POOLS = {
    "news_crawl": (4, "concurrent news_crawl crawl tasks"),
    "newsarchive_state": (1, "one writer of the shared dedup state (news_process, news_maintenance)"),
}
_MIGRATED_MARK = ".newsarchive-migrated"


class AirflowLocalError(RuntimeError):
    """Airflow could not be set up or a DAG run failed (the message says which and where the log is)."""


def s3_connection_json(settings: S3Settings) -> str:
    """The ``newsarchive_s3`` connection (type ``aws``) as Airflow's JSON connection format."""
    extra: dict[str, Any] = {"bucket": settings.bucket, "region_name": settings.region}
    if settings.endpoint_url:
        extra["endpoint_url"] = settings.endpoint_url
    conn: dict[str, Any] = {"conn_type": "aws", "extra": extra}
    if settings.access_key_id:
        conn["login"] = settings.access_key_id
    if settings.secret_access_key:
        conn["password"] = settings.secret_access_key
    return json.dumps(conn)


def airflow_env(
    home: Path,
    settings: S3Settings,
    sources_file: Path | str,
    *,
    sql_alchemy_conn: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every Airflow process of ours (a copy of ``os.environ`` plus Airflow's config).

    ``home`` is ``AIRFLOW_HOME`` (created); the metadata database is SQLite in it unless
    ``sql_alchemy_conn`` is given. The venv's ``bin/`` leads ``PATH`` (``airflow standalone`` starts
    ``airflow`` subcommands by name) and the checkout leads ``PYTHONPATH`` (the DAGs import the library).
    """
    home = Path(home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for name in [n for n in env if n.startswith("AIRFLOW__") or n.startswith("AIRFLOW_CONN_") or n.startswith("AIRFLOW_VAR_")]:
        del env[name]  # only our configuration, never a leftover of the caller's
    python_bin = str(Path(sys.executable).parent)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "PATH": python_bin + os.pathsep + env.get("PATH", ""),
            "PYTHONPATH": str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn or f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": HOST,
            # the log servers of workers/schedulers/triggerers listen on 0.0.0.0 unless told otherwise
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_HOST": HOST,
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_HOST": HOST,
            "AIRFLOW_CONN_" + S3_CONN_ID.upper(): s3_connection_json(settings),
            "AIRFLOW_VAR_" + SOURCES_VARIABLE: str(Path(sources_file).resolve()),
            "NEWSARCHIVE_S3_CONN_ID": S3_CONN_ID,
        }
    )
    env.update(extra or {})
    return env


def airflow_cli(env: Mapping[str, str], *args: str, timeout: float = 300) -> str:
    """Run ``airflow ARGS`` (the venv's) and return its stdout; :class:`AirflowLocalError` on failure."""
    exe = shutil.which("airflow", path=env.get("PATH")) or str(Path(sys.executable).parent / "airflow")
    proc = subprocess.run([exe, *args], env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise AirflowLocalError(f"`airflow {' '.join(args)}` failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout


def migrate(env: Mapping[str, str]) -> None:
    """``airflow db migrate`` once per SQLite home (skipped when done), then the DAGs' pools."""
    mark = Path(env["AIRFLOW_HOME"]) / _MIGRATED_MARK
    if env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite") and mark.exists():
        return
    airflow_cli(env, "db", "migrate")
    create_pools(env)
    mark.touch()


def create_pools(env: Mapping[str, str]) -> None:
    """Create (or resize) the pools the DAGs run their tasks in."""
    for name, (slots, description) in POOLS.items():
        airflow_cli(env, "pools", "set", name, str(slots), description)


def dag_test(env: Mapping[str, str], dag_id: str, conf: Mapping[str, Any] | None = None, *, log_file: Path | None = None, timeout: float = 900) -> dict[str, Any]:
    """Run one DAG once with ``dag.test()`` in a child process with ``env``; return the child's
    result (``state`` and ``tasks``). Its log goes to ``log_file`` (default: ``$AIRFLOW_HOME/<dag_id>.log``)."""
    migrate(env)
    log_file = log_file or Path(env["AIRFLOW_HOME"]) / f"{dag_id}.log"
    result_file = log_file.with_suffix(".result.json")
    result_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "infra.airflow_local", "test", dag_id, "--conf", json.dumps(dict(conf or {})), "--result", str(result_file)]
    with open(log_file, "w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, env=dict(env), stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise AirflowLocalError(f"{dag_id}: dag.test() wrote no result (exit {proc.returncode}); see {log_file}") from None
    result["log_file"] = str(log_file)
    return result


def worker_hostname() -> str:
    """``[core] hostname_callable`` of a worker of the multi-worker run: its name from
    ``$NEWSARCHIVE_WORKER_NAME`` (two workers on one machine would otherwise share the host name)."""
    import socket

    return os.environ.get("NEWSARCHIVE_WORKER_NAME") or socket.getfqdn()


def _run_test(dag_id: str, conf: dict[str, Any], result_file: Path) -> int:
    """In the child: parse the DAG folder as the task runner does, run ``dag_id`` once, write the result."""
    from airflow.dag_processing.dagbag import BundleDagBag

    def done(result: dict[str, Any]) -> int:
        result_file.write_text(json.dumps({"dag_id": dag_id, **result}), encoding="utf-8")
        return 0 if result["state"] == "success" else 1

    bag = BundleDagBag(dag_folder=str(DAGS_FOLDER), bundle_path=DAGS_FOLDER)
    if bag.import_errors:
        return done({"state": "import-error", "errors": bag.import_errors})
    dag = bag.dags[dag_id]
    try:
        run = dag.test(run_conf=conf)
    except Exception as exc:  # noqa: BLE001 - e.g. params rejected before the run starts
        return done({"state": "rejected", "error": f"{type(exc).__name__}: {exc}"})
    tasks = {}
    for ti in run.get_task_instances():
        name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        tasks[name] = str(ti.state)
    return done({"run_id": run.run_id, "state": str(run.state), "tasks": tasks})


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.airflow_local test DAG_ID [--conf JSON]``."""
    parser = argparse.ArgumentParser(prog="python -m infra.airflow_local")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("test", help="run a DAG once with dag.test()")
    p.add_argument("dag_id")
    p.add_argument("--conf", default="{}")
    p.add_argument("--result", required=True, help="write the result JSON here")
    args = parser.parse_args(argv)
    return _run_test(args.dag_id, json.loads(args.conf), Path(args.result))


if __name__ == "__main__":
    code = main()
    # The run and its result are committed; don't wait for Airflow's and boto3's leftover
    # non-daemon threads, which can hold a finished ``dag.test()`` process for a minute.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
