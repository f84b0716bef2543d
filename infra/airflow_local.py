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
import time
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
    tasks, tries = {}, {}
    for ti in run.get_task_instances():
        name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        tasks[name] = str(ti.state)
        tries[name] = ti.try_number
    return done({"run_id": run.run_id, "state": str(run.state), "tasks": tasks, "tries": tries})


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


# --------------------------------------------------------------------------- local Airflow of `stack up`

AIRFLOW_PORT_ENV = "NEWSARCHIVE_AIRFLOW_PORT"
DEFAULT_AIRFLOW_PORT = 18090
AIRFLOW_STATE_FILE = "airflow.json"
#: What ``airflow standalone`` runs, with the log servers off: ``airflow standalone`` cannot bind them
#: to loopback (they listen on every interface), and on one machine the api-server reads task logs
#: from the shared log folder anyway.
COMPONENTS = {
    "api-server": ["api-server", "--host", HOST, "--port", "{port}"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}
ADMIN_USER = "admin"


def local_sources_file(home: Path) -> Path:
    """The sources file the local Airflow's DAGs read: ``$NEWSARCHIVE_SOURCES``, else ``<home>/sources.yaml``."""
    return Path(os.environ.get("NEWSARCHIVE_SOURCES") or home / "sources.yaml").resolve()


def airflow_up(home: Path, settings: S3Settings, *, port: int | None = None, timeout: float = 180) -> dict[str, Any]:
    """Start the local Airflow (SQLite in ``<home>/airflow``, api-server on 127.0.0.1) unless it runs.

    Returns its state: ``url``, ``pids``, ``home``, ``sources``. The ``newsarchive_s3`` connection
    points at ``settings`` (the local SeaweedFS). Raises :class:`AirflowLocalError` when the
    api-server does not answer within ``timeout`` seconds (the message names the log)."""
    state = airflow_state(home)
    if state and state["running"]:
        return state
    port = port or int(os.environ.get(AIRFLOW_PORT_ENV) or DEFAULT_AIRFLOW_PORT)
    sources = local_sources_file(home)
    env = airflow_env(home / "airflow", settings, sources, extra={"AIRFLOW__API__PORT": str(port)})
    migrate(env)
    logs = Path(env["AIRFLOW_HOME"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    exe = str(Path(sys.executable).parent / "airflow")
    pids = {}
    for name, args in COMPONENTS.items():
        with open(logs / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(
                [exe, *(a.format(port=port) for a in args)], stdout=out, stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        pids[name] = proc.pid
    state = {"url": f"http://{HOST}:{port}", "pids": pids, "home": env["AIRFLOW_HOME"], "sources": str(sources), "logs": str(logs)}
    (home / AIRFLOW_STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")
    if not _wait_http(f"{state['url']}/api/v2/version", timeout):
        raise AirflowLocalError(f"the Airflow api-server did not answer on {state['url']} within {timeout:.0f}s; see {logs}/api-server.log")
    return airflow_state(home) or state


def airflow_down(home: Path, timeout: float = 30) -> list[str]:
    """Stop the components recorded in ``<home>/airflow.json`` that are still our ``airflow`` processes;
    returns their names."""
    import signal

    state_file = home / AIRFLOW_STATE_FILE
    state = _read_json(state_file)
    if state is None:
        return []
    stopped = []
    for name, pid in state.get("pids", {}).items():
        if _is_our_airflow(pid, name):
            os.killpg(pid, signal.SIGTERM)  # its own session: the component and its children
            stopped.append(name)
    end = time.monotonic() + timeout
    for name, pid in state.get("pids", {}).items():
        while _is_our_airflow(pid, name) and time.monotonic() < end:
            time.sleep(0.3)
        if _is_our_airflow(pid, name):
            os.killpg(pid, signal.SIGKILL)
    state_file.unlink(missing_ok=True)
    return stopped


def airflow_state(home: Path) -> dict[str, Any] | None:
    """The local Airflow's state with ``running`` (every component alive), ``components`` and ``login``;
    None when it was never started here."""
    state = _read_json(home / AIRFLOW_STATE_FILE)
    if state is None:
        return None
    alive = {name: _is_our_airflow(pid, name) for name, pid in state.get("pids", {}).items()}
    state["components"] = alive
    state["running"] = bool(alive) and all(alive.values())
    passwords = _read_json(Path(state["home"]) / "simple_auth_manager_passwords.json.generated") or {}
    state["login"] = f"{ADMIN_USER} / {passwords[ADMIN_USER]}" if ADMIN_USER in passwords else None
    return state


def describe_airflow(state: dict[str, Any] | None) -> str:
    """Lines for ``stack up``/``stack status``: the UI URL and login, or why it is not running."""
    if state is None:
        return "Airflow: not started (`newsarchive stack up` starts it when the airflow extra is installed)"
    down = [name for name, ok in state["components"].items() if not ok]
    if down:
        return f"Airflow: {', '.join(down)} not running; logs in {state['logs']} (restart: newsarchive stack down && newsarchive stack up)"
    return (
        f"Airflow UI: {state['url']}  login: {state['login'] or 'admin / (password being generated, see stack status)'}\n"
        f"  DAGs from {DAGS_FOLDER}; sources from {state['sources']} (Variable newsarchive_sources); logs in {state['logs']}"
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_our_airflow(pid: int, component: str) -> bool:
    """Whether ``pid`` still is an ``airflow <component>`` process (a reused pid is left alone)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    # Airflow retitles some processes ("airflow api_server -- host:…", one string): match words
    words = " ".join(w.decode(errors="replace") for w in cmdline).split()
    return any(w.endswith("airflow") for w in words) and bool({component, component.replace("-", "_")} & set(words))


def _wait_http(url: str, timeout: float) -> bool:
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never via a proxy
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with opener.open(url, timeout=3):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    return False
