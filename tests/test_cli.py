"""The command line as a user runs it: the installed ``newsarchive`` script, real files, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SEED = "000_183f575d9282628d.txt"


def newsarchive(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("newsarchive", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "pipelines.cli"]
    full_env = {**os.environ, **env} if env else None
    return subprocess.run([*cmd, *args], input=stdin, capture_output=True, env=full_env, timeout=120, check=False)


def test_clean_gives_the_seed_article_without_form_or_sign_off(data_dir: Path) -> None:
    seed = (data_dir / "seeds" / SEED).read_text(encoding="utf-8")
    proc = newsarchive("clean", stdin=seed.encode())
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0] == "The American army resumes its joint operations with Iraq"
    assert len(lines) == 8  # the title and the seven article paragraphs
    assert lines[-1].endswith("military operations in the Middle East.")
    for junk in ("Leave a Reply", "Fill in your details", "You are commenting", "Log Out", "Connecting to", "Finished 2"):
        assert junk not in out


def test_extract_prints_json_and_reads_the_charset_from_the_page(tmp_path: Path) -> None:
    body = " ".join(["Le café de la gare a rouvert ses portes après des mois de travaux."] * 12)
    page = (
        '<html><head><meta charset="windows-1252"><title>Réouverture du café</title>'
        '<meta property="og:type" content="article"></head><body><article><h1>Réouverture du café</h1>'
        f"<p>{body}</p><p>{body}</p></article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1252"))
    proc = newsarchive("extract", str(path), "--url", "https://example.org/2024/05/cafe")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["title"] == "Réouverture du café"
    assert "Le café de la gare" in doc["text"] and "\ufffd" not in doc["text"]
    assert doc["url"] == "https://example.org/2024/05/cafe"


def test_extract_of_a_non_article_is_one_line_and_non_zero(tmp_path: Path) -> None:
    listing = tmp_path / "contact.html"
    listing.write_text("<html><head><title>Contact</title></head><body><p>Write to the newsroom at the harbour office.</p></body></html>", encoding="utf-8")
    proc = newsarchive("extract", str(listing))
    assert proc.returncode == 1  # a page, but not an article
    err = proc.stderr.decode().strip()
    assert err.count("\n") == 0 and "not an article" in err and str(listing) in err


@pytest.mark.parametrize(("content", "says"), [(b"", "is empty"), (b"%PDF-1.7\n" + bytes(range(256)) * 8, "is not HTML")])
def test_extract_of_an_empty_or_binary_file_is_a_usage_error(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "input.html"
    path.write_bytes(content)
    proc = newsarchive("extract", str(path))
    assert proc.returncode == 2  # the input is not a page: wrong file given
    err = proc.stderr.decode().strip()
    assert err.count("\n") == 0 and says in err and str(path) in err


@pytest.mark.parametrize("args", [["extract", "/nonexistent/page.html"], ["crawl", "x"]])
def test_usage_errors_exit_2_with_one_line(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSARCHIVE_SOURCES", raising=False)
    proc = newsarchive(*args)
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().count("\n") == 0


def test_process_without_a_staged_run_says_so_in_one_line(s3_settings: object) -> None:
    proc = newsarchive("process", env=s3_settings.to_env())  # type: ignore[attr-defined]
    assert proc.returncode == 1
    err = proc.stderr.decode().strip().splitlines()
    assert err and err[-1].startswith("newsarchive process: ") and "Traceback" not in proc.stderr.decode()


def test_storage_errors_are_one_line(tmp_path: Path) -> None:
    # a closed port on this machine: nothing listens, no packet leaves 127.0.0.1
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "NEWSARCHIVE_S3_ENDPOINT": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "NEWSARCHIVE_S3_MAX_ATTEMPTS": "1",
        "NEWSARCHIVE_HOME": str(tmp_path),
    }
    proc = newsarchive("ls", env=env)
    assert proc.returncode == 1
    err = proc.stderr.decode().strip().splitlines()
    assert err[-1].startswith("newsarchive ls: ") and f"127.0.0.1:{port}" in err[-1]
    assert "Traceback" not in proc.stderr.decode()


def test_ls_marks_a_fetch_date_shown_for_an_undated_article() -> None:
    from datetime import datetime, timezone

    from pipelines.cli.main import listing_date

    fetched = datetime(2026, 11, 30, 8, tzinfo=timezone.utc)
    assert listing_date({"published": datetime(2026, 11, 2, tzinfo=timezone.utc), "fetched_at": fetched}) == ("2026-11-02 ", False)
    assert listing_date({"published": None, "fetched_at": fetched}) == ("2026-11-30*", True)
    assert listing_date({}) == ("---------- ", False)


def test_a_crawl_refused_everything_as_private_says_to_allow_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.cli.main import _print_crawl_summary

    refused = {"outcomes": {"private-address": 3, "private-address/loopback": 3}}
    fetched = {"outcomes": {"private-address": 1, "fetched": 12, "extracted": 10}}
    _print_crawl_summary({"run_id": "20261201T000000Z-abcdef", "sources": {"citynews": refused, "wire": fetched}})
    out = capsys.readouterr().out
    assert "citynews: every request went to a private or loopback address" in out and "--allow-loopback" in out
    assert "wire: every request" not in out  # a source that fetched pages gets no such hint
