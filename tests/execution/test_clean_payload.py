"""Payload cleaning remembers what it cleaned: a repeat gets the same result as a first delivery, as a
copy of its own, and what fails validation fails every time."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jejo.execution import service


def test_a_repeated_payload_is_cleaned_the_same_and_copied() -> None:
    first = service._clean_payload("quantity.reported", {"seq": 10, "good": 1})
    assert first == {"seq": 10, "good": 1.0, "scrap": 0.0, "rework": 0.0}
    first["good"] = 99.0  # the caller's copy: the remembered one is untouched
    again = service._clean_payload("quantity.reported", {"seq": 10, "good": 1})
    assert again == {"seq": 10, "good": 1.0, "scrap": 0.0, "rework": 0.0}
    assert again is not first


def test_equal_values_of_other_types_are_validated_apart() -> None:
    assert service._clean_payload("operation.started", {"seq": 10}) == {"seq": 10}
    # 10.5 is no whole number: it must not pass as the 10 remembered above, nor 10.0 fail
    with pytest.raises(ValidationError):
        service._clean_payload("operation.started", {"seq": 10.5})
    assert service._clean_payload("operation.started", {"seq": 10.0}) == {"seq": 10}
    # a string is not a number, even when the number is remembered
    with pytest.raises(ValidationError):
        service._clean_payload("quantity.reported", {"seq": 10, "good": "many"})


def test_an_invalid_payload_fails_each_time() -> None:
    for _ in range(3):
        with pytest.raises(ValidationError):
            service._clean_payload("quantity.reported", {"seq": 10, "scrap": 1})  # scrap needs a reason


def test_empty_fields_are_dropped_on_a_repeat_too() -> None:
    body = {"item": "BOARD", "lot": "L1", "quantity": 2, "location": "WH", "seq": None}
    a = service._clean_payload("material.consumed", body)
    b = service._clean_payload("material.consumed", body)
    assert a == b == {"item": "BOARD", "lot": "L1", "quantity": 2.0, "location": "WH"}
    assert a is not b


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_CLEANED", {})
    monkeypatch.setattr(service, "_CLEANED_MAX", 5)
    for i in range(1, 20):
        assert service._clean_payload("operation.started", {"seq": i}) == {"seq": i}
        assert len(service._CLEANED) <= 5
