"""Micro-batching: concurrent requests share one feature read, one model call and one audit fsync.

A scoring request spends most of its time on fixed costs — building a feature frame, one call into
the model, one thread hop, one ``fsync`` — that cost about the same for one event as for thirty.
:class:`MicroBatcher` lets requests that arrive *while a batch is being scored* go together in the
next one, the way model servers such as Triton or Ray Serve batch dynamically.

It is opportunistic: nothing waits for a batch to fill. An idle service scores a lone request at
once, so latency at low load is unchanged; under load the batch grows by itself to however many
requests queued during the previous one (up to ``max_weight`` events), and throughput rises with it.

Each request still gets its own answer, its own errors and its own audit records: the batch function
returns one result (or one exception) per item, in order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Coalesce concurrent :meth:`submit` calls into calls of ``process(items)``, one batch at a time.

    Parameters
    ----------
    process : async callable
        Takes the batch's items (in arrival order) and returns one result per item; an item's result
        may be an exception instance, which is raised to that item's caller only. If ``process``
        itself raises, every caller in the batch gets that exception.
    max_weight : int
        Upper bound on the summed ``weight`` of a batch (a single heavier item still runs, alone).
    weight : callable, optional
        An item's weight (default 1; the scorer counts events, so a 100-event batch request is 100).

    Examples
    --------
    >>> async def double(items):
    ...     return [2 * x for x in items]
    >>> async def main():
    ...     batcher = MicroBatcher(double, max_weight=8)
    ...     return await asyncio.gather(*(batcher.submit(i) for i in range(3)))
    >>> asyncio.run(main())
    [0, 2, 4]
    """

    def __init__(
        self,
        process: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_weight: int,
        weight: Callable[[T], int] | None = None,
    ) -> None:
        if max_weight < 1:
            raise ValueError(f"max_weight must be >= 1, got {max_weight}")
        self._process = process
        self.max_weight = max_weight
        self._weight = weight or (lambda _item: 1)
        self._pending: deque[tuple[T, asyncio.Future]] = deque()
        self._worker: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0  # how many batches ran (tests and the benchmark read it)
        self.items = 0

    async def submit(self, item: T) -> R:
        """Queue ``item`` and wait for its result (scored alone if nothing else is in flight)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._pending.append((item, future))
        if self._loop is not loop or self._worker is None or self._worker.done():
            self._loop = loop  # a new event loop (e.g. a new TestClient) gets a new worker
            self._worker = loop.create_task(self._drain())
        return await future

    def _next_batch(self) -> list[tuple[T, asyncio.Future]]:
        first = self._pending.popleft()
        batch, weight = [first], self._weight(first[0])
        while self._pending and weight + self._weight(self._pending[0][0]) <= self.max_weight:
            item = self._pending.popleft()
            batch.append(item)
            weight += self._weight(item[0])
        return batch

    async def _drain(self) -> None:
        while self._pending:
            batch = self._next_batch()
            self.batches += 1
            self.items += len(batch)
            try:
                results = await self._process([item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"batch function returned {len(results)} results for {len(batch)} items")
            except Exception as exc:  # noqa: BLE001 - every caller of this batch gets the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results):
                if future.done():  # the caller went away (cancelled); nothing to deliver
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)


__all__ = ["MicroBatcher"]
