"""Run ``python -m spiders.run`` as a user would and watch it from outside: wall time, peak RSS
(VmHWM) and any listening socket it opens. Shared by the integration crawls."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.children import peak_rss_kib

REPO = Path(__file__).resolve().parents[1]


@dataclass
class CrawlProcess:
    """What one crawl process did, as seen from outside."""

    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    peak_mib: float  # the crawl process's own peak (VmHWM)
    listening: list[str] = field(default_factory=list)
    peak_tree_mib: float = 0.0  # the crawl's and its worker processes' peaks (VmHWM), summed


def _tree_peaks_kib(pid: int, peaks: dict[int, int]) -> None:
    """Record in ``peaks`` the VmHWM of a process and of each of its children (the crawl's worker
    processes) seen so far: their sum bounds the tree's peak from above (the processes need not
    peak at the same moment), and no short peak between two polls is missed."""
    import psutil

    try:
        pids = [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except (psutil.Error, OSError):
        return
    for each in pids:
        peaks[each] = max(peaks.get(each, 0), peak_rss_kib(each) or 0)


def _listening(pid: int) -> list[str]:
    import psutil

    try:
        conns = psutil.Process(pid).net_connections(kind="inet")
    except (psutil.Error, OSError):
        return []
    return [f"{c.laddr.ip}:{c.laddr.port}" for c in conns if c.status == psutil.CONN_LISTEN]


def crawl_env(s3_env: dict[str, str], **extra: str) -> dict[str, str]:
    """The process environment of a crawl: ours without NEWSARCHIVE_/AWS_ variables, plus the bucket's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "AWS_"))}
    env.update(s3_env)
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def run_crawl(args: list[str], env: dict[str, str], *, limit: float) -> CrawlProcess:
    """``python -m spiders.run ARGS``; killed (and reported) after ``limit`` seconds."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "spiders.run", *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out: list[str] = []
    err: list[str] = []

    def drain(stream: Any, sink: list[str]) -> None:
        sink.append(stream.read())

    readers = [threading.Thread(target=drain, args=(s, k), daemon=True) for s, k in ((proc.stdout, out), (proc.stderr, err))]
    for reader in readers:
        reader.start()
    peak_kib, listening, polls = 0, set(), 0
    peaks: dict[int, int] = {}
    while proc.poll() is None:
        peak_kib = max(peak_kib, peak_rss_kib(proc.pid) or 0)
        _tree_peaks_kib(proc.pid, peaks)
        if polls % 10 == 0:  # every 0.5 s: psutil reads every socket of the process
            listening.update(_listening(proc.pid))
        polls += 1
        if time.monotonic() - started > limit:
            proc.kill()
            proc.wait()
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    for reader in readers:
        reader.join(timeout=10)
    return CrawlProcess(
        proc.returncode, "".join(out), "".join(err), elapsed, peak_kib / 1024, sorted(listening),
        (sum(peaks.values()) - peaks.get(proc.pid, 0) + peak_kib) / 1024,
    )


@contextmanager
def private_demo_site(**options: Any) -> Iterator[Any]:
    """A demo site of a test module's own (stateful sites: a shared one may be drained or changed)."""
    from infra.demo_site import DemoSite

    site = DemoSite(**options).start()
    try:
        yield site
    finally:
        site.stop()
