"""Shared fixtures: the real SeaweedFS server, storage on a fresh bucket, the demo site on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared folder beside the checkout (seed document, corpora)."""
    if not SHARED.is_dir():
        pytest.fail(f"shared folder not found at {SHARED}: it must sit beside the checkout")
    return SHARED


# --- S3: one real SeaweedFS `weed mini` per session, a fresh bucket per test (owner: storage) ---


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory):
    """A real SeaweedFS server on free 127.0.0.1 ports with random credentials, for the whole session."""
    import secrets

    from pipelines.stack import SeaweedServer, StackError, StackPorts

    last: Exception | None = None
    for _ in range(3):  # free ports can be taken by a parallel run between choice and bind
        server = SeaweedServer(
            tmp_path_factory.mktemp("seaweedfs"),
            StackPorts.free(),
            access_key="NA" + secrets.token_hex(8).upper(),
            secret_key=secrets.token_hex(20),
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
    Storage(settings).ensure_bucket()
    return settings


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
