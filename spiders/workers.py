"""CPU work beside the reactor: worker processes fed through pipes by the event loop itself.

The crawl's reactor thread must only fetch. Extraction (``spiders.staging``) and WARC writing
(``spiders.warc``) run in worker processes: the reactor thread sends each call as a
length-prefixed pickle frame written through an asyncio pipe transport (it never blocks), and the
same loop reads the result from a second pipe. No other thread of the crawl process takes part:
``ProcessPoolExecutor`` moves every task through a manager thread and a queue-feeder thread, and on
the benchmark site those threads fought the reactor thread for the GIL on every page (``submit``
alone was ~6% of the reactor's time).

Frames are ``4-byte big-endian length + pickle``: ``(call_id, function, args)`` to the worker,
``(call_id, ok, value)`` back (``value`` is the result, or the exception when ``ok`` is false).
``function`` must be importable by name (a module-level function). Calls run one at a time, in
the order they were sent.

A worker that dies (a page that crashes the parser, the OOM killer) fails the calls in flight with
:class:`WorkerCrashed`, and the next call starts a new worker. A worker dies with the crawl
(``PR_SET_PDEATHSIG``): a SIGKILLed crawl leaves no process holding its stdout.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

from pipelines.children import die_with_parent

log = logging.getLogger(__name__)

_LENGTH = 4


class WorkerCrashed(RuntimeError):
    """The worker process exited while a call was in flight."""


def _frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_LENGTH, "big") + data


class _PipeProtocol(asyncio.BaseProtocol):
    """The write side's protocol: nothing to receive; notes when the worker closed its end."""

    def __init__(self, worker: WorkerProcess) -> None:
        self.worker = worker

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker._writer = None


class WorkerProcess:
    """One worker process (see the module docstring). Use from coroutines running on the crawl's
    asyncio loop: ``await worker.call(fn, *args)``, or ``await worker.start()`` once and then
    ``worker.submit(fn, *args)`` from plain callbacks; ``close()`` at the end."""

    def __init__(self, name: str = "extraction", *, warm_up: str = "pipelines.extract.extractor") -> None:
        self.name = name  # for log lines
        self.warm_up = warm_up  # a module the worker imports before the first call
        self.started = 0  # processes started (1 + restarts after a crash)
        self._proc: subprocess.Popen[bytes] | None = None
        self._writer: asyncio.WriteTransport | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count()
        self._starting = asyncio.Lock()
        self._waiting = 0  # calls waiting for the process to start
        self._outbox: list[bytes] = []  # frames submitted in this turn of the loop, written at its end

    @property
    def in_flight(self) -> int:
        """Calls sent and not answered yet, or waiting for the process to start."""
        return len(self._pending) + self._waiting

    async def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` in the worker and return its result (or raise its exception;
        :class:`WorkerCrashed` when the worker died meanwhile)."""
        if self._writer is None:
            self._waiting += 1
            try:
                await self._start()
            finally:
                self._waiting -= 1
        return await self.submit(function, *args)

    @property
    def running(self) -> bool:
        """Started and not known to have exited."""
        return self._writer is not None

    async def start(self) -> None:
        """Start the process now (``call`` starts it when needed; ``submit`` needs it running)."""
        if self._writer is None:
            await self._start()

    def submit(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Send ``function(*args)`` to the running worker without waiting: the future gets the
        result (or the exception, :class:`WorkerCrashed` when the worker died meanwhile).
        Raises :class:`WorkerCrashed` when the worker is not running."""
        if self._writer is None:
            raise WorkerCrashed(f"worker {self.name} is not running")
        call_id = next(self._ids)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        # the calls of one turn of the loop (several responses arrive together) go out in one
        # write: one syscall and one wake-up of the worker instead of one per call
        if not self._outbox:
            loop.call_soon(self._flush)
        self._outbox.append(_frame((call_id, function, args)))
        self._pending[call_id] = future
        return future

    def _flush(self) -> None:
        frames, self._outbox = self._outbox, []
        if frames and self._writer is not None:  # else the worker died: its reader fails the calls
            self._writer.write(frames[0] if len(frames) == 1 else b"".join(frames))

    async def _start(self) -> None:
        async with self._starting:
            if self._writer is not None:
                return
            loop = asyncio.get_running_loop()
            to_worker_r, to_worker_w = os.pipe()
            from_worker_r, from_worker_w = os.pipe()
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", __name__, str(to_worker_r), str(from_worker_w), self.warm_up],
                    pass_fds=(to_worker_r, from_worker_w),
                    env=env,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=die_with_parent(signal.SIGKILL),
                )
            finally:
                os.close(to_worker_r)
                os.close(from_worker_w)
            self.started += 1
            reader = asyncio.StreamReader(limit=2**31)
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(from_worker_r, "rb", 0))
            transport, _ = await loop.connect_write_pipe(lambda: _PipeProtocol(self), os.fdopen(to_worker_w, "wb", 0))
            self._writer = transport  # type: ignore[assignment]
            self._reader_task = loop.create_task(self._read_results(reader, self._proc))

    async def _read_results(self, reader: asyncio.StreamReader, proc: subprocess.Popen[bytes]) -> None:
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(_LENGTH), "big")
                call_id, ok, value = pickle.loads(await reader.readexactly(size))
                future = self._pending.pop(call_id, None)
                if future is None or future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except asyncio.IncompleteReadError:
            pass  # the worker closed its end: it exited
        except Exception as exc:  # noqa: BLE001 - a garbled frame: treat the worker as dead
            log.error("worker %s: unreadable result: %s: %s", self.name, type(exc).__name__, exc)
        code = proc.poll()
        if self._pending:
            log.error(
                "worker %s (pid %d) exited with %s while %d call(s) were in flight; a new one "
                "starts with the next call", self.name, proc.pid, code, len(self._pending),
            )
        crashed, self._pending = self._pending, {}
        for future in crashed.values():
            if not future.done():
                future.set_exception(WorkerCrashed(f"worker {self.name} exited (code {code})"))
        if self._proc is proc:
            if self._writer is not None:
                self._writer.close()
            self._writer = None
            self._proc = None
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    def close(self, timeout: float = 10.0) -> None:
        """Let the worker finish and exit (EOF on its input), then reap it; kill it after
        ``timeout`` seconds."""
        proc, self._proc = self._proc, None
        self._flush()
        if self._writer is not None:
            # the transport would close the pipe on a later loop turn; the worker must see EOF now
            pipe = self._writer.get_extra_info("pipe")
            self._writer.close()
            self._writer = None
            if pipe is not None:
                pipe.close()
        elif proc is not None and proc.poll() is None:
            proc.kill()  # closed while it was starting: it has nothing to finish
        if proc is None:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class WorkerPool:
    """``size`` :class:`WorkerProcess` processes; each call goes to the least busy one."""

    def __init__(self, size: int, **kwargs: Any) -> None:
        if size < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {size}")
        self.workers = [WorkerProcess(**kwargs) for _ in range(size)]
        self._start_tasks: list[asyncio.Task[None]] = []

    def start_soon(self) -> None:
        """Start every worker in the background (from code running on the loop's thread; a
        worker that cannot start fails its first call instead)."""
        loop = asyncio.get_event_loop()
        self._start_tasks = [loop.create_task(_quietly(worker.start())) for worker in self.workers]

    async def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """As :meth:`WorkerProcess.call`, on the worker with the fewest calls in flight."""
        return await min(self.workers, key=lambda w: w.in_flight).call(function, *args)

    def close(self, timeout: float = 10.0) -> None:
        for task in self._start_tasks:
            task.cancel()  # a crawl that ended before its workers were up
        for worker in self.workers:
            worker.close(timeout)


async def _quietly(start: Any) -> None:
    try:
        await start
    except Exception as exc:  # noqa: BLE001 - the first call will start it again and report
        log.warning("worker: could not start in advance: %s: %s", type(exc).__name__, exc)


# ----------------------------------------------------------------------------- the worker side


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def serve(fd_in: int, fd_out: int) -> None:
    """The worker's loop: read a call, run it, write the result; return at end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the crawl, which closes us
    if os.getppid() == 1:  # the crawl died before PR_SET_PDEATHSIG was armed
        return
    # buffered input: frames sent together are read with one syscall
    with os.fdopen(fd_in, "rb") as inp, os.fdopen(fd_out, "wb", 0) as out:
        while True:
            head = _read_exactly(inp, _LENGTH)
            if head is None:
                return
            data = _read_exactly(inp, int.from_bytes(head, "big"))
            if data is None:
                return
            call_id, function, args = pickle.loads(data)
            try:
                reply = (call_id, True, function(*args))
            except Exception as exc:  # noqa: BLE001 - the caller gets the exception
                reply = (call_id, False, exc)
            try:
                frame = _frame(reply)
            except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
                frame = _frame((call_id, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
            view = memoryview(frame)
            while view:
                view = view[out.write(view) :]


if __name__ == "__main__":
    import importlib

    if len(sys.argv) > 3 and sys.argv[3]:
        importlib.import_module(sys.argv[3])
    serve(int(sys.argv[1]), int(sys.argv[2]))
