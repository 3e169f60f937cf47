"""Event ids are UUIDv7 (RFC 9562): version and variant bits, the creation time, order and uniqueness."""

from __future__ import annotations

import threading
import time
import uuid

from jejo.core.ids import is_valid_code, new_event_id, new_event_ids


def test_event_ids_carry_version_variant_and_the_time_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    value = new_event_id()
    after = time.time_ns() // 1_000_000
    assert isinstance(value, uuid.UUID) and value.version == 7 and value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after + 1


def test_a_burst_of_ids_is_unique_sorted_and_does_not_run_ahead_of_the_clock() -> None:
    ids = [new_event_id() for _ in range(50_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # a 12-bit counter per millisecond: a burst borrows at most a few milliseconds from the future
    assert (ids[-1].int >> 80) <= time.time_ns() // 1_000_000 + 50


def test_ids_made_in_batches_follow_on_from_single_ids_in_order() -> None:
    ids = [new_event_id()]
    for n in (1, 3, 1000, 5000, 0, 2):
        ids.extend(new_event_ids(n))
        ids.append(new_event_id())
    assert len(ids) == 1 + 6006 + 6
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in ids)
    assert (ids[-1].int >> 80) <= time.time_ns() // 1_000_000 + 50


def test_ids_made_on_several_threads_never_collide() -> None:
    made: list[list[uuid.UUID]] = [[] for _ in range(4)]

    def work(out: list[uuid.UUID]) -> None:
        out.extend(new_event_id() for _ in range(5_000))

    threads = [threading.Thread(target=work, args=(out,)) for out in made]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [u for out in made for u in out]
    assert len(set(every)) == len(every)
    assert all(out == sorted(out) for out in made)


def test_codes() -> None:
    assert is_valid_code("PC-SAW-01") and is_valid_code("A/B_1.2")
    for bad in ("", "-X", "공장", "x" * 65):
        assert not is_valid_code(bad)
