"""The private-address guard end to end: without ``--allow-loopback`` a real crawl of the demo site
(on 127.0.0.1) sends it nothing at all; every refusal is counted in the run summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]


def test_loopback_is_refused_by_default(demo_site: Any, tmp_path: Path, s3_settings: Any) -> None:
    sources = demo_site.write_sources(tmp_path / "sources.yaml")
    before = len(demo_site.requests_to("wpcom"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSARCHIVE_", "AWS_"))}
    env.update(s3_settings.to_env())
    proc = subprocess.run(
        [sys.executable, "-m", "spiders.run", "--sources", str(sources), "--run-id", "20260101T000000Z-00aa11", "wpcom"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcomes = json.loads(proc.stdout.strip().splitlines()[-1])["sources"]["wpcom"]["outcomes"]
    assert len(demo_site.requests_to("wpcom")) == before  # not even robots.txt reached the server
    assert outcomes.get("private-address/loopback", 0) >= 1
    assert outcomes.get("extracted", 0) == 0
