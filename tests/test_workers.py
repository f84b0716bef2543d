"""The crawl's extraction worker: results come back over pipes, errors arrive as exceptions, and a
worker that dies fails only the calls in flight; the next call gets a new worker."""

from __future__ import annotations

import asyncio
import os

import pytest

from spiders.workers import WorkerProcess, WorkerCrashed, WorkerPool
from tests import worker_funcs as funcs


def test_results_errors_and_large_payloads_round_trip() -> None:
    async def scenario() -> None:
        worker = WorkerProcess(warm_up="")
        try:
            page = "<p>" + "ünïcode words " * 20_000 + "</p>"  # ~280 kB: more than a pipe buffer
            results = await asyncio.gather(*(worker.call(funcs.echo, f"{i}:{page}") for i in range(8)))
            assert [r.split(":", 1)[0] for r in results] == [str(i) for i in range(8)]
            assert all(r.endswith(page) for r in results)
            assert await worker.call(funcs.pid) != os.getpid()
            with pytest.raises(ValueError, match="bad page"):
                await worker.call(funcs.fail, "bad page")
            assert await worker.call(funcs.echo, "still there") == "still there"
            assert worker.started == 1
        finally:
            worker.close()

    asyncio.run(scenario())


def test_a_dead_worker_fails_calls_in_flight_and_the_next_call_starts_a_new_one() -> None:
    async def scenario() -> None:
        worker = WorkerProcess(warm_up="")
        try:
            first = await worker.call(funcs.pid)
            with pytest.raises(WorkerCrashed):
                await worker.call(funcs.die)
            second = await worker.call(funcs.pid)
            assert second != first and worker.started == 2
            with pytest.raises(OSError):
                os.kill(first, 0)  # the dead worker was reaped, not left a zombie we would signal
        finally:
            worker.close()

    asyncio.run(scenario())


def test_close_reaps_every_worker_of_a_pool() -> None:
    async def scenario() -> list[int]:
        pool = WorkerPool(2, warm_up="")
        pids = await asyncio.gather(*(pool.call(funcs.pid) for _ in range(6)))
        procs = [w._proc for w in pool.workers]
        pool.close()
        assert all(p is not None and p.poll() is not None for p in procs)
        return list(pids)

    assert len(set(asyncio.run(scenario()))) == 2  # both workers took calls


def test_workers_started_in_advance_take_the_first_call_and_a_pool_closed_while_starting_leaves_none() -> None:
    async def started_in_advance() -> None:
        pool = WorkerPool(1, warm_up="")
        pool.start_soon()
        for _ in range(200):  # the crawl goes on meanwhile; the worker comes up on its own
            if pool.workers[0].running:
                break
            await asyncio.sleep(0.05)
        assert pool.workers[0].running
        assert await pool.call(funcs.pid) != os.getpid()
        assert pool.workers[0].started == 1
        pool.close()

    async def closed_while_starting() -> list:
        pool = WorkerPool(2, warm_up="")
        pool.start_soon()
        await asyncio.sleep(0)  # each start has spawned its process and waits for the pipes
        procs = [w._proc for w in pool.workers]
        pool.close()  # a source whose crawl ended at once (host down, robots.txt forbids all)
        await asyncio.sleep(0.1)
        return procs

    asyncio.run(started_in_advance())
    procs = asyncio.run(closed_while_starting())
    assert all(p is not None for p in procs)
    assert all(p.poll() is not None for p in procs)
