"""Stage composition: staged records -> clean -> dedup -> tag -> archive, with a report.

``process_run`` is what ``newsarchive process`` and the ``news_process`` DAG call. Each stage is
also usable alone over a stream of :class:`Article` (``clean_records``, ``Deduplicator``,
``Tagger``, ``Archiver``). A record that fails anywhere is counted, logged and skipped; the run
goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipelines import layout
from pipelines.archive import Archiver
from pipelines.clean import clean_text
from pipelines.config import Source, SourcesConfig
from pipelines.dedup import REDIS_URL_ENV, DedupConfig, Deduplicator, DedupState, connect_shared_state
from pipelines.extract import DEFAULT_MIN_WORDS
from pipelines.models import Article
from pipelines.storage import Storage
from pipelines.text import count_words
from pipelines.tag import Tagger, load_taxonomy

log = logging.getLogger(__name__)

MAX_LISTED_FAILURES = 50


class NoStagedRun(LookupError):
    """There is no staged run to process (or not the one asked for)."""


@dataclass(frozen=True)
class ProcessConfig:
    """Processing options (all have sensible defaults)."""

    min_words: int = DEFAULT_MIN_WORDS
    dedup: DedupConfig = field(default_factory=DedupConfig)
    taxonomy: str | Path | None = None
    archive: bool = True
    archive_workers: int = 8
    archive_batch: int = 64
    flush_every: int = 5000
    cache_dir: Path | None = None
    # A live shared dedup backend for concurrent workers (redis://…); default: $NEWSARCHIVE_DEDUP_REDIS_URL,
    # else the dedup state lives in the bucket.
    shared_dedup_url: str | None = field(default_factory=lambda: os.environ.get(REDIS_URL_ENV) or None)


@dataclass
class ProcessReport:
    """Counts per outcome of one processing run (printable; ``to_dict`` for JSON)."""

    run_id: str | None = None
    records: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dedup: Counter[str] = field(default_factory=Counter)
    archive: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, where: str, error: BaseException | str) -> None:
        """Count one bad record (the first few are listed)."""
        self.failed += 1
        message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        log.warning("skipped record at %s: %s", where, message)
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append({"record": where, "error": message[:500]})

    @property
    def kept(self) -> int:
        """Records that passed cleaning (articles and their duplicates)."""
        return sum(self.dedup.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        return {
            "run_id": self.run_id,
            "records": self.records,
            "kept": self.kept,
            "rejected": dict(self.rejected),
            "dedup": dict(self.dedup),
            "archive": dict(self.archive),
            "failed": self.failed,
            "failures": list(self.failures),
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records / self.seconds, 1) if self.seconds else None,
        }

    def __str__(self) -> str:
        def fmt(counter: Counter[str]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"

        return (
            f"run {self.run_id or '-'}: {self.records} records in {self.seconds:.1f}s; "
            f"rejected: {fmt(self.rejected)}; dedup: {fmt(self.dedup)}; archive: {fmt(self.archive)}; "
            f"failed: {self.failed}"
        )


# --------------------------------------------------------------------------- clean stage


def clean_record(record: Article, source: Source | None = None, *, min_words: int = DEFAULT_MIN_WORDS) -> Article:
    """Clean one record's text in place; set ``rejected`` (with the reason) if what is left is no article."""
    if record.rejected is not None:
        return record
    rules = source.cleaning if source else None
    record.text = clean_text(record.text or "", rules)
    record.word_count = count_words(record.text)
    needed = rules.min_words if rules is not None and rules.min_words is not None else min_words
    if record.word_count == 0:
        record.rejected = "empty-text"
    elif record.word_count < needed:
        record.rejected = f"too-short ({record.word_count} < {needed} words)"
    return record


def clean_records(records: Iterable[Article], sources: Mapping[str, Source] | None = None, *, min_words: int = DEFAULT_MIN_WORDS) -> Iterator[Article]:
    """The clean stage over a stream: cleaned records, rejected ones marked (not dropped)."""
    sources = sources or {}
    for record in records:
        yield clean_record(record, sources.get(record.source or ""), min_words=min_words)


def _reason_key(reason: str) -> str:
    """Counter key of a rejection reason: its first word (``too-short (3 < 25 words)`` -> ``too-short``)."""
    return reason.split(" ", 1)[0]


# --------------------------------------------------------------------------- composition


def _source_map(sources: SourcesConfig | Iterable[Source] | Mapping[str, Source] | None) -> dict[str, Source]:
    if sources is None:
        return {}
    if isinstance(sources, Mapping):
        return dict(sources)
    items = sources.sources if isinstance(sources, SourcesConfig) else list(sources)
    return {s.id: s for s in items}


def process_records(
    records: Iterable[Article | tuple[str, Article | BaseException]],
    *,
    storage: Storage,
    sources: SourcesConfig | Iterable[Source] | Mapping[str, Source] | None = None,
    config: ProcessConfig | None = None,
    state: DedupState | None = None,
    run_id: str | None = None,
) -> ProcessReport:
    """Clean, deduplicate, tag and archive ``records``; persist the dedup state; return the counts.

    ``records`` may also be ``(where, record_or_error)`` pairs from a reader, so a record that
    could not even be parsed is reported where it was found. ``state`` defaults to the one stored
    in ``storage`` (loaded, then flushed at the end and every ``flush_every`` records).
    """
    config = config or ProcessConfig()
    source_map = _source_map(sources)
    if state is None and config.shared_dedup_url:
        state = connect_shared_state(config.shared_dedup_url, config.dedup)
    if state is None:
        state = DedupState.load(storage, config.dedup, cache_dir=config.cache_dir)
    dedup = Deduplicator(state)
    tagger = Tagger(load_taxonomy(config.taxonomy), source_map)
    archiver = Archiver(storage)
    report = ProcessReport(run_id=run_id)
    pending: list[tuple[str, Article]] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, config.archive_workers), thread_name_prefix="archive") as pool:
        for position, item in enumerate(records, 1):
            where, record = item if isinstance(item, tuple) else (f"#{position}", item)
            report.records += 1
            if isinstance(record, BaseException):
                report.fail(where, record)
                continue
            try:
                clean_record(record, source_map.get(record.source or ""), min_words=config.min_words)
                if record.rejected is not None:
                    report.rejected[_reason_key(record.rejected)] += 1
                    continue
                report.dedup[dedup.classify(record)] += 1
                tagger.tag(record)
            except Exception as exc:  # noqa: BLE001 - one bad record never stops the run
                report.fail(f"{where} {record.url}", exc)
                continue
            if config.archive:
                pending.append((where, record))
            if len(pending) >= config.archive_batch:
                _archive_batch(pool, archiver, pending, report)
            if config.flush_every and report.records % config.flush_every == 0:
                _archive_batch(pool, archiver, pending, report)  # archive before the state says "seen"
                state.flush(storage, run_id)
        _archive_batch(pool, archiver, pending, report)
    state.flush(storage, run_id)
    report.seconds = time.perf_counter() - started
    log.info("%s", report)
    return report


def _archive_batch(pool: ThreadPoolExecutor, archiver: Archiver, pending: list[tuple[str, Article]], report: ProcessReport) -> None:
    """Archive a batch concurrently (S3 round trips dominate), keeping the order that matters:
    records of one article run in sequence, and articles before the duplicates that alias them."""
    groups: dict[tuple[int, str], list[tuple[str, Article]]] = {}
    for where, record in pending:
        target = record.duplicate_of or record.id or ""
        groups.setdefault((1 if record.duplicate_of else 0, target), []).append((where, record))
    pending.clear()

    def run(group: list[tuple[str, Article]]) -> list[tuple[str, Article, str | BaseException]]:
        done: list[tuple[str, Article, str | BaseException]] = []
        for where, record in group:
            try:
                done.append((where, record, archiver.archive(record)))
            except Exception as exc:  # noqa: BLE001 - counted per record by the caller
                done.append((where, record, exc))
        return done

    for phase in (0, 1):
        futures = [pool.submit(run, group) for (p, _), group in groups.items() if p == phase]
        for future in futures:
            for where, record, outcome in future.result():
                if isinstance(outcome, BaseException):
                    report.fail(f"{where} {record.url}", outcome)
                else:
                    report.archive[outcome] += 1


# --------------------------------------------------------------------------- staged runs


def latest_run_id(storage: Storage) -> str:
    """The newest staged run (run ids sort by time)."""
    staged = (layout.parse_staged_key(key) for key in storage.list_keys(layout.STAGING))
    runs = {parsed[0] for parsed in staged if parsed and parsed[2] == layout.RECORDS_FILE}
    if not runs:
        raise NoStagedRun(f"no staged run under s3://{storage.bucket}/{layout.STAGING} (crawl first)")
    return max(runs)


def read_staged(storage: Storage, run_id: str) -> Iterator[tuple[str, Article | BaseException]]:
    """Records staged by a crawl run as ``(where, record)``; a line that does not parse comes as
    ``(where, error)`` so the caller can count it and go on. Raises :class:`NoStagedRun` at once
    if the run has no records."""
    prefix = layout.staging_run_prefix(run_id)
    keys = sorted(k for k in storage.list_keys(prefix) if k.endswith("/" + layout.RECORDS_FILE))
    if not keys:
        raise NoStagedRun(f"no staged records for run {run_id!r} under s3://{storage.bucket}/{prefix}")
    return _read_records(storage, run_id, keys)


def _read_records(storage: Storage, run_id: str, keys: list[str]) -> Iterator[tuple[str, Article | BaseException]]:
    for key in keys:
        source_id = key[len(layout.staging_run_prefix(run_id)):].split("/", 1)[0]
        for number, line in enumerate(storage.get_bytes(key).splitlines(), 1):
            if not line.strip():
                continue
            where = f"{key}:{number}"
            try:
                record = Article.from_json(line)
            except (ValidationError, ValueError) as exc:
                yield where, ValueError(f"not a valid record: {str(exc).splitlines()[0]}")
                continue
            record.source = record.source or source_id
            record.run_id = record.run_id or run_id
            yield where, record


def process_run(
    storage: Storage,
    run_id: str | None = None,
    sources: SourcesConfig | Iterable[Source] | Mapping[str, Source] | None = None,
    config: ProcessConfig | None = None,
) -> ProcessReport:
    """Process the staged run ``run_id`` (the newest when None) and record its report at
    ``_state/runs/<run_id>/process.json``. Re-processing a run changes nothing in the archive."""
    run_id = run_id or latest_run_id(storage)
    report = process_records(read_staged(storage, run_id), storage=storage, sources=sources, config=config, run_id=run_id)
    storage.put_json(layout.process_report_key(run_id), report.to_dict())
    return report
