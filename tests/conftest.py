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


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory):
    """A real SeaweedFS server on free 127.0.0.1 ports with random credentials, for the whole session."""
    import secrets

    from infra.stack import SeaweedServer, StackError, StackPorts

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


@pytest.fixture
def s3_settings(s3_server, request: pytest.FixtureRequest):
    """S3Settings for a fresh, already-created bucket named after the test."""
    import re
    import secrets

    from pipelines.storage import Storage

    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].strip("-") or "t"
    settings = s3_server.settings(bucket=f"{slug}-{secrets.token_hex(4)}")
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
