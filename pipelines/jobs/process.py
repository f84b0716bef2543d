"""Processing a staged run: clean -> tag -> dedup -> archive, then manifest and browse pages.

``process_run`` is what ``newsarchive process`` and the ``news_process`` DAG call;
``unprocessed_runs`` lists what is left to do. ``process_records`` composes the stage objects as
steps over one stream of :class:`Article` (:mod:`pipelines.jobs.steps`)::

    for step in steps:
        records = step(records)

Each stage is also usable alone (``clean_records``, ``Tagger``, ``Deduplicator``, ``Archiver``).
A record that is dropped anywhere is counted once with its reason (``report.rejected``) or its
error (``report.failed``); the run goes on.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipelines import layout
from pipelines.archive import Archiver
from pipelines.clean import clean_text
from pipelines.config import Source, SourcesConfig
from pipelines.dedup import REDIS_URL_ENV, DedupConfig, Deduplicator, DedupState, connect_shared_state
from pipelines.extract import DEFAULT_MIN_WORDS
from pipelines.jobs.steps import ERROR_MARK, Each, InWorkers, Step, WorkerLanes, archive_chunk, where
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
    # processes for cleaning, tagging and archiving (None: min(4, CPUs); 0 or 1: in this process).
    # They start only when a run has at least ``workers_from`` records.
    workers: int | None = None
    worker_chunk: int = 32
    workers_from: int = 256
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
    raw: dict[str, str] = field(default_factory=dict)
    manifest: str | None = None
    browse: dict[str, int] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def drop(self, step: str, reason: str, where: str) -> None:
        """Count one record dropped by ``step`` for ``reason`` (by its first word)."""
        log.debug("dropped %s at %s: %s", where, step, reason)
        self.rejected[_reason_key(reason)] += 1

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
            "manifest_rows": len(self.rows),  # articles written or confirmed unchanged (see "archive")
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records / self.seconds, 1) if self.seconds else None,
            "raw": dict(self.raw),
            "manifest": self.manifest,
            "browse": dict(self.browse),
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


# --------------------------------------------------------------------------- the steps of a run


def _source_map(sources: SourcesConfig | Iterable[Source] | Mapping[str, Source] | None) -> dict[str, Source]:
    if sources is None:
        return {}
    if isinstance(sources, Mapping):
        return dict(sources)
    items = sources.sources if isinstance(sources, SourcesConfig) else list(sources)
    return {s.id: s for s in items}


class Intake:
    """First step: staged ``(where, record_or_error)`` pairs (or plain records) -> records.
    Counts every record read; a line that did not parse is reported where it was found."""

    def __init__(self, report: ProcessReport) -> None:
        self.report = report

    def __call__(self, items: Iterable[Article | tuple[str, Article | BaseException]]) -> Iterator[Article]:
        for position, item in enumerate(items, 1):
            origin, record = item if isinstance(item, tuple) else (f"#{position}", item)
            self.report.records += 1
            if isinstance(record, BaseException):
                self.report.fail(origin, record)
                continue
            record._origin = origin
            yield record


@dataclass
class Clean:
    """Operation: clean the text with the source's rules; drop what is no article (too short, empty)."""

    sources: dict[str, Source]
    min_words: int = DEFAULT_MIN_WORDS
    name: str = "clean"

    def apply(self, record: Article) -> str | None:
        clean_record(record, self.sources.get(record.source or ""), min_words=self.min_words)
        return record.rejected


@dataclass
class Tag:
    """Operation: language, keywords, topics, source tags (:class:`~pipelines.tag.Tagger`)."""

    tagger: Tagger
    name: str = "tag"

    def apply(self, record: Article) -> None:
        self.tagger.tag(record)
        return None


@dataclass
class Dedup:
    """Operation: exact and near-duplicate check against the run's dedup state (in this process:
    the state is shared by every record); the outcome is counted, nothing is dropped."""

    deduplicator: Deduplicator
    outcomes: Counter[str]
    name: str = "dedup"
    first_seen: set[str] = field(default_factory=set)  # ids of "new" records: the archive skips a read

    def apply(self, record: Article) -> None:
        outcome = self.deduplicator.classify(record)
        self.outcomes[outcome] += 1
        if outcome == "new":
            self.first_seen.add(str(record.id))
        return None


class Archive:
    """Step: archive records in batches, yielding each archived record in stream order; a failure
    is reported and dropped. Small runs archive on a thread pool here; with ``lanes`` a batch is
    split by article over the worker processes (their own boto3 clients: the GIL is no limit),
    up to ``2 * lanes`` batches in flight while the stream goes on.

    ``checkpoint`` (the dedup state's flush) runs every ``every`` records, once every record
    before it is archived: the state never says "seen" for an article that is not stored."""

    def __init__(self, archiver: Archiver, report: ProcessReport, *, workers: int, batch: int,
                 lanes: WorkerLanes | None = None, checkpoint: Callable[[], Any] | None = None, every: int = 0,
                 first_seen: set[str] | None = None) -> None:
        self.archiver, self.report, self.lanes = archiver, report, lanes
        self.first_seen = first_seen if first_seen is not None else set()
        self.workers, self.batch = max(1, workers), max(1, batch)
        self.checkpoint, self.every = checkpoint, every

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        stream = iter(records)
        pending: deque[tuple[list[Article], list[tuple[list[int], Future[list[str]]]]]] = deque()
        done = 0
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="archive") as threads:
            for batch in iter(lambda: list(islice(stream, self.batch)), []):
                if self.lanes is None or not self.lanes.started:
                    outcomes: list[str | BaseException] = self.archiver.archive_many(batch, threads, self._new(batch))
                    yield from self._report(batch, outcomes)
                else:
                    pending.append((batch, self._submit(batch)))
                    while len(pending) > 2 * self.lanes.n:
                        yield from self._collect(*pending.popleft())
                done += len(batch)
                if self.checkpoint and self.every and done // self.every > (done - len(batch)) // self.every:
                    while pending:
                        yield from self._collect(*pending.popleft())
                    self.checkpoint()
            while pending:
                yield from self._collect(*pending.popleft())

    def _submit(self, batch: list[Article]) -> list[tuple[list[int], Future[list[str]]]]:
        assert self.lanes is not None
        by_lane: dict[int, list[int]] = {}
        for position, record in enumerate(batch):
            lane = zlib.crc32(str(record.duplicate_of or record.id).encode()) % self.lanes.n
            by_lane.setdefault(lane, []).append(position)
        return [(positions, self.lanes.submit(lane, archive_chunk, [batch[i] for i in positions], self._new(batch)))
                for lane, positions in by_lane.items()]

    def _new(self, batch: list[Article]) -> set[str]:
        return {str(r.id) for r in batch if str(r.id) in self.first_seen}

    def _collect(self, batch: list[Article], parts: list[tuple[list[int], Future[list[str]]]]) -> Iterator[Article]:
        outcomes: list[str | BaseException] = [""] * len(batch)
        for positions, future in parts:
            for position, outcome in zip(positions, future.result(), strict=True):
                outcomes[position] = RuntimeError(outcome[len(ERROR_MARK):]) if outcome.startswith(ERROR_MARK) else outcome
        yield from self._report(batch, outcomes)

    def _report(self, batch: list[Article], outcomes: list[str | BaseException]) -> Iterator[Article]:
        for record, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                self.report.fail(where(record), outcome)
                continue
            self.report.archive[outcome] += 1
            yield record


class LocateWarc:
    """Step: record where each record's raw response lives (``raw/…/<run_id>.warc.gz``)."""

    def __init__(self, warc_keys: Mapping[str, str]) -> None:
        self.warc_keys = warc_keys

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        for record in records:
            if record.warc_record_id and not record.warc_key:
                record.warc_key = self.warc_keys.get(record.source or "")
            yield record


def _workers(config: ProcessConfig) -> int:
    if config.workers is not None:
        return config.workers
    return min(4, os.cpu_count() or 1)


def process_records(
    records: Iterable[Article | tuple[str, Article | BaseException]],
    *,
    storage: Storage,
    sources: SourcesConfig | Iterable[Source] | Mapping[str, Source] | None = None,
    config: ProcessConfig | None = None,
    state: DedupState | None = None,
    run_id: str | None = None,
    warc_keys: Mapping[str, str] | None = None,
) -> ProcessReport:
    """Clean, tag, deduplicate and archive ``records``; persist the dedup state; return the counts.

    The steps (``Intake``, ``Clean`` + ``Tag`` in worker processes, ``LocateWarc``, ``Dedup``,
    ``Archive`` with the state's checkpoints) are composed as ``for step in steps: records = step(records)``;
    every record that leaves the stream is counted once with its reason. ``records`` may be
    ``(where, record_or_error)`` pairs from :func:`read_staged`. ``state`` defaults to the one
    stored in ``storage`` (loaded, then flushed at the end and every ``flush_every`` records).
    The archived records' manifest rows are in ``report.rows``.
    """
    from pipelines.archive.manifests import manifest_row

    config = config or ProcessConfig()
    source_map = _source_map(sources)
    if state is None and config.shared_dedup_url:
        state = connect_shared_state(config.shared_dedup_url, config.dedup)
    if state is None:
        state = DedupState.load(storage, config.dedup, cache_dir=config.cache_dir)
    report = ProcessReport(run_id=run_id)
    operations = [Clean(source_map, config.min_words), Tag(Tagger(load_taxonomy(config.taxonomy), source_map))]
    workers = _workers(config)
    dedup = Dedup(Deduplicator(state), report.dedup)
    started = time.perf_counter()
    with WorkerLanes(workers, operations, storage.settings) if workers > 1 else nullcontext() as lanes:
        steps: list[Step] = [
            Intake(report),
            InWorkers(operations, report, lanes, chunk=config.worker_chunk, min_records=config.workers_from),
            LocateWarc(warc_keys or {}),
            Each([dedup], report),
        ]
        if config.archive:
            steps.append(Archive(Archiver(storage), report, workers=config.archive_workers, batch=config.archive_batch,
                                 lanes=lanes, checkpoint=lambda: state.flush(storage, run_id), every=config.flush_every,
                                 first_seen=dedup.first_seen))
        stream: Iterable[Any] = records
        for step in steps:
            stream = step(stream)
        report.rows = [manifest_row(record) for record in stream]
    state.flush(storage, run_id)
    report.seconds = time.perf_counter() - started
    log.info("%s", report)
    return report


# --------------------------------------------------------------------------- staged runs


def staged_runs(storage: Storage, *, complete_only: bool = False) -> dict[str, set[str]]:
    """``{run_id: {source, ...}}`` of every run with staged records (``complete_only``: and whose
    crawl finished, i.e. wrote ``staging/<run_id>/run.json``, last)."""
    runs: dict[str, set[str]] = {}
    complete: set[str] = set()
    for key in storage.list_keys(layout.STAGING):
        parsed = layout.parse_staged_key(key)
        if parsed and parsed[2] == layout.RECORDS_FILE:
            runs.setdefault(parsed[0], set()).add(parsed[1])
        elif run_id := layout.parse_run_summary_key(key):
            complete.add(run_id)
    return {run: srcs for run, srcs in runs.items() if run in complete} if complete_only else runs


def processed_runs(storage: Storage) -> set[str]:
    """Run ids that have a processing report (``_state/runs/<run_id>/process.json``)."""
    return {run for run in (layout.parse_process_report_key(k) for k in storage.list_keys(layout.RUNS)) if run}


def unprocessed_runs(storage: Storage, *, complete_only: bool = True) -> list[str]:
    """Staged runs that have no processing report yet, oldest first. ``complete_only``: only runs
    whose crawl finished (``staging/<run_id>/run.json`` is written last); else every run with records."""
    done = processed_runs(storage)
    return sorted(run for run in staged_runs(storage, complete_only=complete_only) if run not in done)


def latest_run_id(storage: Storage) -> str:
    """The newest staged run (run ids sort by time)."""
    runs = staged_runs(storage)
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
    """Process the staged run ``run_id`` (the newest when None): move its WARC files under
    ``raw/``, clean, tag, deduplicate and archive its records (JSON + reader view), write its
    manifest, rebuild the browse pages it touched, and record its report at
    ``_state/runs/<run_id>/process.json``. Idempotent: re-processing a run changes nothing in the
    archive (same keys, same ETags)."""
    from pipelines.archive.browse import rebuild_browse
    from pipelines.archive.manifests import write_manifest
    from pipelines.archive.raw import move_run_warcs

    config = config or ProcessConfig()
    run_id = run_id or latest_run_id(storage)
    staged = read_staged(storage, run_id)
    warc_keys = move_run_warcs(storage, run_id, staged_runs_sources(storage, run_id)) if config.archive else {}
    report = process_records(staged, storage=storage, sources=sources, config=config, run_id=run_id,
                             warc_keys=warc_keys)
    report.raw = dict(warc_keys)
    if config.archive:
        report.manifest = write_manifest(storage, run_id, report.rows)
        if report.rows:
            report.browse = rebuild_browse(storage, touched=report.rows).to_dict()
    storage.put_json(layout.process_report_key(run_id), report.to_dict())
    return report


def staged_runs_sources(storage: Storage, run_id: str) -> list[str]:
    """The sources that staged anything in ``run_id``."""
    sources = set()
    for key in storage.list_keys(layout.staging_run_prefix(run_id)):
        parsed = layout.parse_staged_key(key)
        if parsed:
            sources.add(parsed[1])
    return sorted(sources)
