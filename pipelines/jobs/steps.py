"""A pipeline of steps over a stream of :class:`~pipelines.models.Article` records.

The shape is datatrove's: one record type, one step interface (``step(records) -> records``),
composition as a plain loop::

    for step in steps:
        records = step(records)

A step that drops a record says why, once, to a :class:`DropSink` (the processing report): a
reason (``too-short``) or the error it raised. Nothing is dropped silently and nothing is counted
twice.

Per-record work is written as an :class:`Operation` (``apply(record) -> drop reason | None``) and
run by :class:`Each` in this process or by :class:`InWorkers` in a pool of processes (for the
CPU-bound, stateless operations: cleaning and tagging), which keeps the stream's order and holds
only a bounded window of records in flight.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, Protocol

from pipelines.models import Article

log = logging.getLogger(__name__)


class DropSink(Protocol):
    """Where steps report what they drop (implemented by the processing report)."""

    def drop(self, step: str, reason: str, where: str) -> None:
        """A record left the stream for ``reason`` (e.g. ``too-short (3 < 25 words)``)."""

    def fail(self, where: str, error: BaseException | str) -> None:
        """A record left the stream because a step raised ``error``."""


Step = Callable[[Iterable[Article]], Iterator[Article]]


class Operation(Protocol):
    """Per-record work: change ``record`` in place, return a drop reason or None to keep it."""

    name: str

    def apply(self, record: Article) -> str | None: ...


def where(record: Article) -> str:
    """Where a record came from, for reports: its origin and URL."""
    return f"{record._origin or '-'} {record.url}"


def _run(operations: Sequence[Operation], record: Article) -> tuple[str, str] | None:
    """Apply ``operations`` in order; ``(step, reason)`` of the first drop, else None. Raises."""
    for operation in operations:
        reason = operation.apply(record)
        if reason is not None:
            return operation.name, reason
    return None


class Each:
    """Apply operations to every record in this process; drop and report as they say."""

    def __init__(self, operations: Sequence[Operation], sink: DropSink) -> None:
        self.operations = list(operations)
        self.sink = sink

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        for record in records:
            try:
                dropped = _run(self.operations, record)
            except Exception as exc:  # noqa: BLE001 - one bad record never stops the run
                self.sink.fail(where(record), exc)
                continue
            if dropped is not None:
                self.sink.drop(dropped[0], dropped[1], where(record))
                continue
            yield record


# --------------------------------------------------------------------------- in worker processes

_WORKER: dict[str, Any] = {}

Outcome = tuple[Article | None, str | None, str | None, str | None]  # record, step, reason, error


def _init_worker(operations: list[Operation], settings: Any) -> None:
    _WORKER.update(operations=operations, settings=settings)


def _apply_chunk(records: list[Article]) -> list[Outcome]:
    return [_outcome(_WORKER["operations"], record) for record in records]


def archive_chunk(records: list[Article], presumed_new: set[str]) -> list[str]:
    """Archive records in the worker (its own boto3 client and threads); outcomes, or
    ``"!error: message"`` for a record that failed."""
    if "archiver" not in _WORKER:
        from concurrent.futures import ThreadPoolExecutor

        from pipelines.archive import Archiver
        from pipelines.storage import Storage

        _WORKER["archiver"] = Archiver(Storage(_WORKER["settings"]))
        _WORKER["threads"] = ThreadPoolExecutor(max_workers=8, thread_name_prefix="archive")
    outcomes = _WORKER["archiver"].archive_many(records, _WORKER["threads"], presumed_new)
    return [o if isinstance(o, str) else f"{ERROR_MARK}{type(o).__name__}: {o}" for o in outcomes]


ERROR_MARK = "!error: "


def _outcome(operations: Sequence[Operation], record: Article) -> Outcome:
    try:
        dropped = _run(operations, record)
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        return None, None, None, f"{type(exc).__name__}: {exc}"
    if dropped is not None:
        return None, dropped[0], dropped[1], None
    return record, None, None, None


class WorkerLanes:
    """``n`` worker processes (spawned on first use, each importing the library once), each a
    lane that runs its tasks in order: per-record operations (:class:`InWorkers`) and archive
    batches (the same article always goes to the same lane, so its records stay in order).
    Spreads the CPU work of a run (cleaning, tagging, boto3) over the machine's cores."""

    def __init__(self, n: int, operations: Sequence[Operation], settings: Any) -> None:
        self.n = n
        self.operations = list(operations)
        self.settings = settings
        self._lanes: list[ProcessPoolExecutor] = []

    def __enter__(self) -> WorkerLanes:
        return self

    def __exit__(self, *exc: object) -> None:
        for lane in self._lanes:
            lane.shutdown(wait=True, cancel_futures=True)
        self._lanes.clear()

    @property
    def started(self) -> bool:
        """Whether the worker processes run (a stream too small for them never starts them)."""
        return bool(self._lanes)

    def submit(self, lane: int, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        if not self._lanes:
            # forkserver: one server per Python process imports the library once, and forks every
            # lane from it (no import per worker, no fork of a process with live threads)
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["pipelines.jobs.process"])
            self._lanes = [ProcessPoolExecutor(1, mp_context=context, initializer=_init_worker,
                                               initargs=(self.operations, self.settings)) for _ in range(self.n)]
        return self._lanes[lane % self.n].submit(fn, *args)


class InWorkers:
    """:class:`Each` with the operations run on :class:`WorkerLanes`, started only when the stream
    has at least ``min_records`` (starting processes costs more than a small run gains; a small
    run stays in this process). Records keep their order; at most ``2 * lanes`` chunks are in
    flight."""

    def __init__(self, operations: Sequence[Operation], sink: DropSink, lanes: WorkerLanes | None, *,
                 chunk: int = 32, min_records: int = 256) -> None:
        self.operations = list(operations)
        self.sink = sink
        self.lanes = lanes
        self.chunk = chunk
        self.min_records = max(chunk, min_records)

    def __call__(self, records: Iterable[Article]) -> Iterator[Article]:
        stream = iter(records)
        first = list(islice(stream, self.min_records))
        if self.lanes is None or self.lanes.n < 2 or len(first) < self.min_records:
            yield from Each(self.operations, self.sink)(first)
            yield from Each(self.operations, self.sink)(stream)
            return
        pending: deque[tuple[list[Article], Future[list[Outcome]]]] = deque()
        head = (first[i:i + self.chunk] for i in range(0, len(first), self.chunk))
        chunks = iter(lambda: list(islice(stream, self.chunk)), [])
        for number, chunk in enumerate(_chain(head, chunks)):
            pending.append((chunk, self.lanes.submit(number, _apply_chunk, chunk)))
            if len(pending) >= 2 * self.lanes.n:
                yield from self._results(*pending.popleft())
        while pending:
            yield from self._results(*pending.popleft())

    def _results(self, sent: list[Article], future: Future[list[Outcome]]) -> Iterator[Article]:
        for original, (record, step, reason, error) in zip(sent, future.result(), strict=True):
            if error is not None:
                self.sink.fail(where(original), error)
            elif record is None:
                self.sink.drop(str(step), str(reason), where(original))
            else:
                record._origin = original._origin  # private attributes do not travel through pickle
                yield record


def _chain(head: Iterable[list[Article]], rest: Iterator[list[Article]]) -> Iterator[list[Article]]:
    yield from head
    yield from rest
