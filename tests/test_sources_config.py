"""sources.yaml validation: a bad file fails with one clear line naming file, source and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config import SourcesError, load_sources

GOOD = """\
sources:
  - id: city-news
    name: City News
    feeds: ["https://news.example.org/feed/"]
    sitemaps: ["https://news.example.org/sitemap.xml"]
    allow: ["/20\\\\d\\\\d/"]
    deny: ["/tag/"]
    limits: {max_pages: 50, max_depth: 2}
    politeness: {download_delay: 0.5}
    tags: [local]
  - id: blog
    start_urls: ["https://blog.example.net/"]
    keep_comments: true
    cleaning: {trailer_patterns: ["^Reporting by .*$"]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_with_defaults(tmp_path: Path) -> None:
    config = load_sources(write(tmp_path, GOOD))
    city = config.get("city-news")
    assert city.limits.max_pages == 50 and city.politeness.obey_robots is True
    assert city.domains() == ["news.example.org"]
    assert config.get("blog").keep_comments is True
    assert [s.id for s in config.select([])] == ["city-news", "blog"]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (GOOD.replace("    tags: [local]", "    tagz: [local]"), "source 'city-news' (sources[0]), field 'tagz': unknown field"),
        (GOOD.replace('"https://news.example.org/feed/"', '"ftp//nowhere"'), "source 'city-news' (sources[0]), field 'feeds[0]': not an http(s) URL"),
        (GOOD.replace('deny: ["/tag/"]', 'deny: ["/tag/(unclosed"]'), "source 'city-news' (sources[0]), field 'deny[0]': bad regular expression"),
        (GOOD.replace("id: blog", "id: city-news"), "source 'city-news' (sources[1]), field 'id': duplicate id, already used by sources[0]"),
        (GOOD.replace("max_pages: 50", "max_pages: -3"), "source 'city-news' (sources[0]), field 'limits.max_pages'"),
        ("sources:\n  - id: x\n    name: no entry\n", "source 'x' (sources[0]): needs at least one of start_urls, feeds or sitemaps"),
        ("sources: [\n", "invalid YAML"),
    ],
)
def test_bad_file_names_file_source_and_field(tmp_path: Path, bad: str, expected: str) -> None:
    path = write(tmp_path, bad)
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_cli_sources_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, GOOD)
    assert main(["sources", "check", "--sources", str(good)]) == 0
    assert "ok:" in capsys.readouterr().out

    bad = write(tmp_path, GOOD.replace("    tags: [local]", "    tagz: [local]"))
    assert main(["sources", "check", "--sources", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "tagz" in err and str(bad) in err


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sources", "check", "--sources", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("cannot read: No such file or directory")
    assert proc.stderr.strip().count("\n") == 0


def test_every_mistake_of_a_sources_file_is_listed_by_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = GOOD.replace("    tags: [local]", "    tagz: [local]").replace("max_pages: 50", "max_pages: -3")
    bad = bad.replace('"https://news.example.org/feed/"', '"ftp//nowhere"')
    path = write(tmp_path, bad)
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert "\n" not in str(err.value) and "(+2 more" in str(err.value)  # one line for logs
    assert main(["sources", "check", "--sources", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert sum(line.startswith(str(path)) for line in lines) == 3  # each mistake on its own line
    for field in ("'tagz': unknown field", "'limits.max_pages'", "'feeds[0]': not an http(s) URL"):
        assert any(field in line for line in lines), field


def test_the_home_sources_file_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The file the local Airflow reads (<NEWSARCHIVE_HOME>/sources.yaml) is the CLI's default too."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("NEWSARCHIVE_HOME", str(home))
    monkeypatch.delenv("NEWSARCHIVE_SOURCES", raising=False)
    assert main(["sources", "check"]) == 2
    assert f"write {home / 'sources.yaml'}" in capsys.readouterr().err
    (home / "sources.yaml").write_text(GOOD, encoding="utf-8")
    assert main(["sources", "check"]) == 0
    assert f"ok: {home / 'sources.yaml'}" in capsys.readouterr().out
    other = write(tmp_path, GOOD.replace("id: blog", "id: other-blog"))
    monkeypatch.setenv("NEWSARCHIVE_SOURCES", str(other))  # the variable still comes first
    assert main(["sources", "check"]) == 0
    assert "other-blog" in capsys.readouterr().out
