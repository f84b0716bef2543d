"""Per-source schedules: validated in sources.yaml, honoured by news_crawl's scheduled runs."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.config import SourcesError, parse_sources

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dags"))


def _source(schedule: str | None):
    entry = {"id": "s", "feeds": ["https://example.org/feed"]}
    if schedule is not None:
        entry["schedule"] = schedule
    return parse_sources({"sources": [entry]}, "sources.yaml").sources[0]


@pytest.mark.parametrize(
    ("schedule", "hour", "due"),
    [(None, 7, True), ("0 */6 * * *", 6, True), ("0 */6 * * *", 7, False), ("@daily", 0, True), ("@daily", 13, False),
     ("30 * * * *", 9, True)],
)
def test_a_scheduled_news_crawl_run_crawls_a_source_only_when_its_schedule_ticked(schedule, hour, due) -> None:
    from news_crawl import previous_tick

    run_after = datetime(2026, 11, 30, hour, 0, tzinfo=UTC)
    assert _source(schedule).is_due(previous_tick("@hourly", run_after), run_after) is due


def test_a_bad_schedule_is_one_line_naming_the_source_and_the_field() -> None:
    with pytest.raises(SourcesError, match=r"sources.yaml: source 's' \(sources\[0\]\), field 'schedule': not a cron"):
        _source("every hour")
