"""Shared fixtures: the real SeaweedFS server, storage on a fresh bucket, the demo site on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``tests/data``: everything the tests read (seed document, copied corpus pages with their notices)."""
    return DATA


# --- S3: one real SeaweedFS `weed mini` per session, a fresh bucket per test (owner: storage) ---


#: The one test bucket whose browse/ and articles/ the test server lets anyone read (fixture public_s3_settings).
PUBLIC_BUCKET = "public-archive"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory):
    """A real SeaweedFS server on free 127.0.0.1 ports with random credentials, for the whole session."""
    import secrets

    from infra.stack import SeaweedServer, StackError, StackPorts, public_read_grants

    last: Exception | None = None
    for _ in range(3):  # free ports can be taken by a parallel run between choice and bind
        server = SeaweedServer(
            tmp_path_factory.mktemp("seaweedfs"),
            StackPorts.free(),
            access_key="NA" + secrets.token_hex(8).upper(),
            secret_key=secrets.token_hex(20),
            # one bucket (= one volume) per test: don't let the free disk size cap the bucket count
            volume_size_limit_mb=64,
            max_volumes=500,
            # as the local stack: browse pages and reader views of PUBLIC_BUCKET readable
            # without credentials; everything else stays private
            public_read=public_read_grants(PUBLIC_BUCKET),
        )
        try:
            server.start(timeout=60)
        except StackError as exc:
            last = exc
            continue
        yield server
        server.stop()
        return
    pytest.fail(f"could not start SeaweedFS: {last}")


def _bucket(s3_server, name: str):
    """S3Settings for the created bucket ``name``, emptied and dropped afterwards."""
    from pipelines.storage import Storage

    settings = s3_server.settings(bucket=name)
    storage = Storage(settings)
    storage.ensure_bucket()
    yield settings
    # Empty and drop the bucket: each holds a SeaweedFS volume until deleted.
    client = storage.client
    try:
        keys = list(storage.list_keys())
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            client.delete_objects(Bucket=settings.bucket, Delete={"Objects": batch, "Quiet": True})
        client.delete_bucket(Bucket=settings.bucket)
    except Exception as exc:  # noqa: BLE001 - cleanup must not fail the test
        import logging

        logging.getLogger(__name__).warning("could not drop test bucket %s: %s", settings.bucket, exc)


@pytest.fixture
def s3_settings(s3_server, request: pytest.FixtureRequest):
    """S3Settings for a fresh, already-created bucket named after the test."""
    import re
    import secrets

    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].strip("-") or "t"
    yield from _bucket(s3_server, f"{slug}-{secrets.token_hex(4)}")


@pytest.fixture
def public_s3_settings(s3_server):
    """S3Settings for the fresh bucket ``PUBLIC_BUCKET``, whose ``browse/`` and ``articles/`` anyone
    may read, as in the local stack (one test at a time uses it)."""
    yield from _bucket(s3_server, PUBLIC_BUCKET)


@pytest.fixture
def storage(s3_settings):
    """A Storage on the test's fresh bucket."""
    from pipelines.storage import Storage

    return Storage(s3_settings)


@pytest.fixture(scope="session")
def demo_site():
    """The demo news sites (infra.demo_site) on ephemeral 127.0.0.1 ports, shared by the session.

    Do not mutate it (no ``update_article()``): use ``fresh_demo_site`` for that.
    """
    from infra.demo_site import DemoSite

    site = DemoSite(slow_seconds=1.0).start()
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture
def fresh_demo_site():
    """A private demo site for one test (safe to call ``update_article()`` or read the request log)."""
    from infra.demo_site import DemoSite

    site = DemoSite(slow_seconds=1.0, retry_after=1).start()
    try:
        yield site
    finally:
        site.stop()


# --- a real browser (Debian's chromium), installed when missing ----------------------------------

CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's ``chromium``; installed with apt-get (as root) when missing, else a clear failure."""
    import os
    import shutil
    import subprocess

    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail("chromium is not installed and cannot be installed here: run `apt-get install -y chromium` as root")
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if proc.returncode != 0:
            pytest.fail(f"`{' '.join(cmd)}` failed ({proc.returncode}): {proc.stderr[-1000:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.fail("apt-get installed chromium but it is not on PATH")
    return found


@pytest.fixture
def dump_dom(chromium, tmp_path: Path):
    """``dump_dom(url) -> str``: the DOM after the page loaded (and ran whatever it was allowed to),
    from headless Chromium with a fresh profile and no background traffic."""
    import subprocess

    def run(url: str) -> str:
        profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom", url]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            pytest.fail(f"chromium failed on {url} ({proc.returncode}): {proc.stderr[-1500:]}")
        return proc.stdout

    return run
