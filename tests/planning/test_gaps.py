"""Gaps in a machine's timeline (jejo.planning.gaps): hand-checked cases and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jejo.planning.gaps import first_gap, last_gap

T0 = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


def h(x: float) -> datetime:
    return T0 + timedelta(hours=x)


def test_hand_checked_gaps() -> None:
    busy = [(h(1), h(3)), (h(3.5), h(6)), (h(8), h(9))]
    two = timedelta(hours=2)
    assert first_gap([], h(0), h(10), two) == h(0)
    assert last_gap([], h(0), h(10), two) == h(10)
    assert first_gap(busy, h(0), h(10), timedelta(hours=1)) == h(0)  # before the first operation
    assert first_gap(busy, h(0.5), h(10), timedelta(hours=1)) == h(6)  # 3:00-3:30 is too short
    assert first_gap(busy, h(0.5), h(10), two) == h(6)  # 6:00-8:00 fits exactly
    assert first_gap(busy, h(0.5), h(5), two) is None  # nothing starts by 5:00
    assert last_gap(busy, h(0), h(7.5), two) == h(6)  # must end before 8:00
    assert last_gap(busy, h(0), h(10), two) == h(10)
    assert last_gap(busy, h(2), h(5), two) is None
    assert first_gap([(h(2), h(1))], h(0), h(1), two) == h(0)  # an empty interval takes nothing


spans = st.lists(
    st.tuples(st.integers(0, 48 * 60), st.integers(1, 6 * 60)).map(
        lambda t: (T0 + timedelta(minutes=t[0]), T0 + timedelta(minutes=t[0] + t[1]))
    ),
    max_size=8,
)


@given(spans, st.integers(0, 24 * 60), st.integers(0, 24 * 60), st.integers(1, 4 * 60))
def test_gaps_are_free_and_extreme(busy: list, a: int, width: int, minutes: int) -> None:
    earliest, latest = T0 + timedelta(minutes=a), T0 + timedelta(minutes=a + width)
    d = timedelta(minutes=minutes)

    def free(s: datetime) -> bool:
        return all(not (s < b and x < s + d) for x, b in busy)

    # every whole minute in the range, a brute-force reference
    starts = [earliest + timedelta(minutes=k) for k in range(width + 1)]
    ok = [s for s in starts if free(s)]
    first, last = first_gap(busy, earliest, latest, d), last_gap(busy, earliest, latest, d)
    assert first == (ok[0] if ok else None)
    assert last == (ok[-1] if ok else None)
