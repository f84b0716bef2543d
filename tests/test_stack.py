"""The local S3 stack (`newsarchive stack up|down|status`) with a temp home on free ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.stack import (
    GRPC_OFFSET,
    PortInUse,
    SeaweedServer,
    StackError,
    StackPorts,
    describe,
    free_ports,
    stack_down,
    stack_status,
    stack_up,
)
from pipelines.storage import AccessDenied, S3Settings, Storage

pytestmark = pytest.mark.integration


@pytest.fixture
def home(tmp_path: Path):
    """A temp NEWSARCHIVE_HOME; whatever stack it holds is stopped afterwards."""
    home = tmp_path / "home"
    yield home
    stack_down(home)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_stack_up_status_down_lifecycle(home: Path):
    ports = StackPorts.free()
    info = stack_up(home, bucket="newsarchive", ports=ports)
    assert not info.already_running
    assert info.endpoint_url == f"http://127.0.0.1:{ports.s3}"
    assert os.getsid(info.pid) != os.getsid(0)  # detached: survives the CLI process

    # the state file is private and lets every other command find the stack
    state_file = home / "stack.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "credentials.json").stat().st_mode) == 0o600
    state = json.loads(state_file.read_text())
    assert state["pid"] == info.pid and state["ports"]["s3"] == ports.s3 and state["bucket"] == "newsarchive"
    settings = S3Settings.from_env({"NEWSARCHIVE_HOME": str(home)})
    assert settings.endpoint_url == info.endpoint_url and settings.bucket == "newsarchive"
    Storage(settings).put_json("articles/a.json", {"kept": True})  # the bucket exists

    # idempotent
    again = stack_up(home, ports=StackPorts.free())
    assert again.already_running and again.pid == info.pid and again.endpoint_url == info.endpoint_url

    status = stack_status(home)
    assert status.running and status.s3_answers and status.pid == info.pid and status.bucket == "newsarchive"
    assert status.data_dir == home / "seaweedfs"
    assert f"started: {info.endpoint_url} bucket newsarchive" in describe(info)
    assert "already running" in describe(again)
    assert f"running: S3 at {info.endpoint_url}" in describe(status)
    # `stack up` hands the user working credentials for the loopback-only server; status stays quiet
    export = next(line for line in describe(info).splitlines() if line.strip().startswith("export "))
    assert f"AWS_ACCESS_KEY_ID={info.settings.access_key_id}" in export
    assert f"AWS_SECRET_ACCESS_KEY={info.settings.secret_access_key}" in export
    assert f"NEWSARCHIVE_S3_ENDPOINT={info.endpoint_url}" in export
    assert info.settings.secret_access_key not in describe(status)
    # `stack env` gives the same line alone, for eval, and starts nothing
    env = {**os.environ, "NEWSARCHIVE_HOME": str(home), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "stack", "env"], env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == export.strip()

    assert stack_down(home) is True
    assert not _alive(info.pid)
    assert not state_file.exists()
    assert not stack_status(home).running
    assert stack_down(home) is False
    cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "stack", "env"], env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 1 and "no local stack running" in cli.stderr and not cli.stdout
    assert not (home / "stack.json").exists()  # nothing was started
    status_cli = subprocess.run([sys.executable, "-m", "pipelines.cli", "stack", "status"], env=env, capture_output=True, text=True, timeout=60)
    assert status_cli.returncode == 1 and "not running" in status_cli.stdout  # scripts can test it

    # up again: same credentials, data kept on disk under home/seaweedfs
    credentials = json.loads((home / "credentials.json").read_text())
    restarted = stack_up(home, ports=StackPorts.free())  # new ports: same-port restarts may wait for TIME_WAIT
    assert restarted.pid != info.pid
    assert restarted.settings.access_key_id == credentials["access_key_id"]
    assert Storage(restarted.settings).get_json("articles/a.json") == {"kept": True}


def test_stack_is_private(home: Path):
    info = stack_up(home, ports=StackPorts.free())
    wrong = Storage(S3Settings(info.endpoint_url, info.settings.access_key_id, "wrong", bucket=info.bucket, max_attempts=1))
    with pytest.raises(AccessDenied):
        wrong.exists("anything")

    # anyone may read the browse pages and reader views (GET only), nothing else
    import urllib.error
    import urllib.request

    storage = Storage(info.settings)
    for key in ("browse/index.html", "articles/s/2026/11/20/a-1.html", "_state/articles/1.json", "raw/s/x.warc.gz"):
        storage.put_bytes(key, b"<p>x</p>", content_type="text/html; charset=utf-8")
    base = f"{info.endpoint_url}/{info.bucket}"
    for key in ("browse/index.html", "articles/s/2026/11/20/a-1.html"):
        with urllib.request.urlopen(f"{base}/{key}", timeout=10) as response:
            assert response.read() == b"<p>x</p>"
    for request in (urllib.request.Request(f"{base}/_state/articles/1.json"), urllib.request.Request(f"{base}/raw/s/x.warc.gz"),
                    urllib.request.Request(f"{base}/browse/new.html", data=b"x", method="PUT"),
                    urllib.request.Request(f"{base}?list-type=2&prefix=articles/")):
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(request, timeout=10)
        assert denied.value.code == 403, request.full_url


def test_stack_down_leaves_an_unrelated_process_alone(home: Path):
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        home.mkdir(parents=True)
        state = {
            "pid": sleeper.pid,
            "ports": StackPorts.from_env({}).as_dict(),
            "endpoint_url": "http://127.0.0.1:18333",
            "bucket": "newsarchive",
            "access_key_id": "x",
            "secret_access_key": "y",
            "data_dir": str(home / "seaweedfs"),
            "store_dir": str(home / "seaweedfs" / "data"),
            "log_file": str(home / "seaweedfs" / "weed.log"),
        }
        (home / "stack.json").write_text(json.dumps(state))
        assert not stack_status(home).running
        assert stack_down(home) is False
        assert sleeper.poll() is None  # still running
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stack_down_leaves_another_weed_alone(home: Path, s3_server: SeaweedServer, s3_settings):
    """A state file naming somebody else's weed (other data dir) must not stop it."""
    home.mkdir(parents=True)
    state = {
        "pid": s3_server.pid,
        "ports": s3_server.ports.as_dict(),
        "endpoint_url": s3_server.endpoint_url,
        "bucket": s3_settings.bucket,
        "access_key_id": s3_server.access_key,
        "secret_access_key": s3_server.secret_key,
        "data_dir": str(home / "seaweedfs"),
        "store_dir": str(home / "seaweedfs" / "data"),
        "log_file": str(home / "weed.log"),
    }
    (home / "stack.json").write_text(json.dumps(state))
    assert stack_down(home) is False
    assert _alive(s3_server.pid)
    Storage(s3_settings).put_bytes("still/alive", b"1")


def test_busy_port_fails_fast_naming_the_variable(home: Path):
    port = free_ports(1)[0]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        ports = StackPorts.from_env({"NEWSARCHIVE_S3_PORT": str(port), **_free_env("master", "volume", "filer", "admin")})
        assert ports.s3 == port
        started = time.monotonic()
        with pytest.raises(PortInUse, match=f"port {port} .*in use.*NEWSARCHIVE_S3_PORT"):
            stack_up(home, ports=ports)  # waits for TIME_WAIT ports, never for a listener
        assert time.monotonic() - started < 5
    assert not (home / "stack.json").exists()


def test_port_held_in_time_wait_is_waited_for_then_named():
    """Right after `stack down` the old server's closed connections hold its ports (weed refuses them too)."""
    port = free_ports(1)[0]
    listener = socket.socket()  # no SO_REUSEADDR, like the sockets that blocked a restart
    listener.bind(("127.0.0.1", port))
    listener.listen()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # server side closes first: its end goes to TIME_WAIT
    time.sleep(0.1)
    client.close()
    listener.close()
    ports = StackPorts(port, *[p for p in free_ports(6) if abs(p - port) != GRPC_OFFSET][:4])
    started = time.monotonic()
    with pytest.raises(PortInUse, match=f"port {port} .*TIME_WAIT.*NEWSARCHIVE_S3_PORT"):
        ports.check_free(wait=1.0)
    assert 1.0 <= time.monotonic() - started < 5


def _free_env(*names: str) -> dict[str, str]:
    return {StackPorts.ENV[name]: str(port) for name, port in zip(names, free_ports(len(names)), strict=True)}


def test_server_that_dies_reports_its_log(tmp_path: Path):
    fake_weed = tmp_path / "weed"
    fake_weed.write_text("#!/bin/sh\necho 'boom: cannot start' >&2\nexit 3\n")
    fake_weed.chmod(0o755)
    server = SeaweedServer(tmp_path / "s", StackPorts.free(), "k", "s", weed=str(fake_weed))
    with pytest.raises(StackError, match="exited with code 3.*boom: cannot start"):
        server.start(timeout=10)


def test_free_ports_leave_room_for_grpc():
    ports = free_ports(5)
    assert len(set(ports)) == 5
    for port in ports:
        assert 1024 <= port < 65535 - GRPC_OFFSET
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port + GRPC_OFFSET))


def test_default_ports_and_their_grpc_companions_fit():
    ports = StackPorts.from_env({})
    assert ports.as_dict() == StackPorts.DEFAULTS
    assert max(ports.as_dict().values()) + GRPC_OFFSET <= 65535
    with pytest.raises(StackError, match="out of range"):
        StackPorts.from_env({"NEWSARCHIVE_ADMIN_PORT": "60000"})
    with pytest.raises(StackError, match="not a port"):
        StackPorts.from_env({"NEWSARCHIVE_S3_PORT": "abc"})


def test_weed_command_line_is_loopback_private_and_explicit(tmp_path: Path):
    server = SeaweedServer(tmp_path, StackPorts(20001, 20002, 20003, 20004, 20005), "k", "s", weed=sys.executable)
    command = server.command()
    for flag in (
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={tmp_path / 's3.json'}",
        "-s3.autoCreateBucket=false",
        "-s3.allowDeleteBucketNotEmpty=false",
        "-s3.port=20001",
        "-master.port=20002",
        "-volume.port=20003",
        "-filer.port=20004",
        "-admin.port=20005",
    ):
        assert flag in command


def test_a_test_server_dies_with_its_killed_parent_and_leaves_no_sockets(tmp_path: Path):
    """A killed pytest run must not leave a 160 MiB weed behind (detached `stack up` servers are exempt)."""
    script = f"""
import sys, time
from pathlib import Path
from infra.stack import SeaweedServer, StackPorts
server = SeaweedServer(Path({str(tmp_path)!r}), StackPorts.free(), "k", "s")
server.start()
print(server.pid, " ".join(map(str, server.ports.as_dict().values())), flush=True)
time.sleep(120)
"""
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        pid, *ports = map(int, parent.stdout.readline().split())
        assert list(Path("/tmp").glob(f"seaweedfs-s3-{ports[0]}.sock")), "weed makes local sockets in /tmp"
        parent.kill()
        parent.wait()
        for _ in range(100):
            if not _alive(pid):
                break
            time.sleep(0.1)
        assert not _alive(pid)
    finally:
        parent.kill()
        parent.wait()

    server = SeaweedServer(tmp_path / "again", StackPorts.free(), "k", "s")
    server.start()
    s3_port = server.ports.s3
    assert list(Path("/tmp").glob(f"seaweedfs-*-{s3_port}.sock"))
    server.stop()
    assert not list(Path("/tmp").glob(f"seaweedfs-*-{s3_port}.sock"))


def test_volume_sizing_flags_only_when_asked(tmp_path: Path):
    ports = StackPorts(20001, 20002, 20003, 20004, 20005)
    plain = SeaweedServer(tmp_path, ports, "k", "s", weed=sys.executable).command()
    assert not [flag for flag in plain if flag.startswith(("-volume.max", "-master.volumeSizeLimitMB"))]
    sized = SeaweedServer(tmp_path, ports, "k", "s", weed=sys.executable, volume_size_limit_mb=64, max_volumes=500)
    assert {"-master.volumeSizeLimitMB=64", "-volume.max=500"} <= set(sized.command())


def test_test_buckets_are_dropped_after_each_test(s3_server):
    """The s3_settings fixture empties and deletes its bucket, freeing the volume it held.

    Runs after test_stack_down_leaves_another_weed_alone (file order), which used s3_settings.
    """
    from pipelines.storage import Storage

    names = {b["Name"] for b in Storage(s3_server.settings()).client.list_buckets()["Buckets"]}
    assert not [name for name in names if name.startswith("test-stack-down-leaves-another-weed")]


def test_concurrent_stack_up_starts_one_server(home: Path):
    import threading

    ports = StackPorts.free()
    results: list = []
    errors: list = []

    def up() -> None:
        try:
            results.append(stack_up(home, ports=ports))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=up) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({info.pid for info in results}) == 1
    assert sorted(info.already_running for info in results) == [False, True]


def test_stack_recovers_after_weed_is_killed(home: Path):
    info = stack_up(home, ports=StackPorts.free())
    Storage(info.settings).put_json("_state/acknowledged.json", {"n": 1})
    os.kill(info.pid, signal.SIGKILL)
    for _ in range(100):
        if not _alive(info.pid):
            break
        time.sleep(0.05)
    status = stack_status(home)
    assert not status.running and "stale" in status.message

    again = stack_up(home, ports=StackPorts.free())
    assert not again.already_running and again.pid != info.pid
    assert Storage(again.settings).get_json("_state/acknowledged.json") == {"n": 1}


def test_the_home_is_found_from_a_subdirectory_like_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`newsarchive ls` in a subdirectory of the project reaches the stack started at its top."""
    from pipelines.home import newsarchive_home, stack_state_path

    project = tmp_path / "project"
    (project / ".newsarchive").mkdir(parents=True)
    (project / "notes" / "2026").mkdir(parents=True)
    monkeypatch.delenv("NEWSARCHIVE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # the search stops at the user's home directory
    monkeypatch.chdir(project / "notes" / "2026")
    assert newsarchive_home() == project / ".newsarchive"
    assert stack_state_path() == project / ".newsarchive" / "stack.json"
    monkeypatch.chdir(tmp_path)  # nothing here or above (up to $HOME): the default, to be created
    assert newsarchive_home() == tmp_path / ".newsarchive"
    monkeypatch.setenv("NEWSARCHIVE_HOME", str(tmp_path / "elsewhere"))  # the variable still wins
    monkeypatch.chdir(project / "notes")
    assert newsarchive_home() == tmp_path / "elsewhere"
