"""The local Airflow of `newsarchive stack up`: SQLite, every socket on 127.0.0.1, the project's DAGs,
the newsarchive_s3 connection to the local SeaweedFS; status gives the UI URL and a working login;
down stops only what up started."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _listening_addresses(pids: set[int]) -> set[str]:
    import psutil

    found = set()
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.pid in pids:
            found.add(conn.laddr.ip)
    return found


def _descendants(pids: list[int]) -> set[int]:
    import psutil

    out = set()
    for pid in pids:
        try:
            proc = psutil.Process(pid)
        except psutil.NoSuchProcess:
            continue
        out |= {pid, *(c.pid for c in proc.children(recursive=True))}
    return out


def test_stack_up_starts_a_private_airflow_with_our_dags_and_down_stops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.airflow_local import airflow_down, airflow_state, airflow_up, describe_airflow
    from infra.stack import StackPorts, free_ports, stack_down, stack_up

    home = tmp_path / "home"
    monkeypatch.setenv("NEWSARCHIVE_SOURCES", str(tmp_path / "sources.yaml"))
    info = stack_up(home, ports=StackPorts.free())
    try:
        (port,) = free_ports(1)
        state = airflow_up(home, info.settings, port=port)
        assert state["running"] and state["url"] == f"http://127.0.0.1:{port}"
        # every listening socket of every component (and its children) is on loopback
        pids = _descendants(list(state["pids"].values()))
        assert _listening_addresses(pids) <= {"127.0.0.1"}, _listening_addresses(pids)

        text = describe_airflow(airflow_state(home))
        assert f"Airflow UI: http://127.0.0.1:{port}" in text and "login: admin / " in text
        password = text.split("login: admin / ", 1)[1].split()[0]
        request = urllib.request.Request(
            f"{state['url']}/auth/token", data=json.dumps({"username": "admin", "password": password}).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        with OPENER.open(request, timeout=30) as response:
            token = json.load(response)["access_token"]

        def dag_ids() -> set[str]:
            req = urllib.request.Request(f"{state['url']}/api/v2/dags", headers={"Authorization": f"Bearer {token}"})
            with OPENER.open(req, timeout=30) as response:
                return {d["dag_id"] for d in json.load(response)["dags"]}

        from infra.demo_site.server import wait_until

        assert wait_until(lambda: dag_ids() >= {"news_crawl", "news_process", "news_maintenance"}, timeout=180)
        environ = Path(f"/proc/{state['pids']['scheduler']}/environ").read_bytes().split(b"\0")
        conn = next(v.split(b"=", 1)[1] for v in environ if v.startswith(b"AIRFLOW_CONN_NEWSARCHIVE_S3="))
        env_conn = json.loads(conn)
        assert env_conn["conn_type"] == "aws" and env_conn["extra"]["endpoint_url"] == info.endpoint_url
    finally:
        stopped = airflow_down(home)
        stack_down(home)
    assert set(stopped) == {"api-server", "scheduler", "dag-processor", "triggerer"}
    import psutil

    for pid in state["pids"].values():  # gone (or a zombie until this test process reaps it)
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert airflow_state(home) is None
