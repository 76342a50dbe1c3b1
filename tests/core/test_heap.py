"""Settling the heap: startup objects frozen, later garbage still collected."""

from __future__ import annotations

import gc

from marketplace_app.core.heap import settle


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_settle_freezes_what_lives_and_later_cycles_are_still_collected():
    try:
        settle()
        assert gc.get_freeze_count() > 1_000
        probe = Cycle()
        gone = [False]
        import weakref

        weakref.finalize(probe, lambda: gone.__setitem__(0, True))
        del probe
        gc.collect()
        assert gone[0]
    finally:
        gc.unfreeze()
