"""A server's heap, settled once it has started.

Everything a worker builds while starting (modules, the pages, the API's routes and schemas,
SQLAlchemy's statements: some 280,000 objects) lives as long as the process. Python's full
collection walks all of them whenever it runs, holding the GIL; the first one comes soon after
start, while the heap still grows (measured in process: one pause of 426 ms within the first
3,000 creates), and every request in flight waits it out (the p99 of PRODUCT.md §10).
`gc.freeze()` moves them out of the collector's sight; later garbage is still collected as usual,
in pauses of a few milliseconds.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


def settle() -> None:
    """Collect what starting left behind, then freeze every object alive now."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def settled_heap() -> AsyncIterator[None]:
    """A lifespan task: settle the heap once the server has started."""
    settle()
    yield
