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
