"""ISO 2859-1 / MIL-STD-105E single sampling, normal inspection: table-driven against the published
Table I (code letters) and Table II-A (sample sizes, Ac/Re, arrows)."""

from __future__ import annotations

import pytest

from jejo.core.errors import ValidationError
from jejo.quality.sampling import LEVELS, code_letter, plan_for


@pytest.mark.parametrize(
    ("lot", "level", "letter"),
    [
        (2, "II", "A"),
        (8, "II", "A"),
        (9, "II", "B"),
        (15, "III", "C"),
        (25, "I", "B"),
        (50, "II", "D"),
        (90, "III", "F"),
        (150, "II", "F"),
        (280, "II", "G"),
        (281, "II", "H"),
        (500, "II", "H"),
        (501, "II", "J"),
        (1200, "I", "G"),
        (1201, "III", "L"),
        (3200, "II", "K"),
        (10000, "II", "L"),
        (35000, "II", "M"),
        (150000, "II", "N"),
        (500000, "II", "P"),
        (500001, "I", "N"),
        (500001, "II", "Q"),
        (500001, "III", "R"),
        (100, "S-1", "B"),
        (100, "S-2", "B"),
        (100, "S-3", "C"),
        (100, "S-4", "D"),
        (10**6, "S-4", "K"),
    ],
)
def test_table_1_code_letters(lot: int, level: str, letter: str) -> None:
    assert code_letter(lot, level) == letter


@pytest.mark.parametrize(
    ("lot", "aql", "n", "ac", "re"),
    [
        # J (80) across the AQLs: 0.15 → 0/1; 0.25 ↑ (H, 50, 0/1); 0.40 ↓ (K, 125, 1/2); then the diagonal
        (1000, 0.10, 125, 0, 1),
        (1000, 0.15, 80, 0, 1),
        (1000, 0.25, 50, 0, 1),
        (1000, 0.40, 125, 1, 2),
        (1000, 0.65, 80, 1, 2),
        (1000, 1.0, 80, 2, 3),
        (1000, 1.5, 80, 3, 4),
        (1000, 2.5, 80, 5, 6),
        (1000, 4.0, 80, 7, 8),
        (1000, 6.5, 80, 10, 11),
        (1000, 10, 80, 14, 15),
        (200, 2.5, 32, 2, 3),  # G
        (200, 4.0, 32, 3, 4),
        (500, 1.0, 50, 1, 2),  # H
        (3000, 2.5, 125, 7, 8),  # K
        (5000, 1.0, 200, 5, 6),  # L
        (5000, 0.65, 200, 3, 4),
        (50000, 0.65, 500, 7, 8),  # N
        (50000, 0.40, 500, 5, 6),
        (200000, 0.25, 800, 5, 6),  # P
        (600000, 0.010, 1250, 0, 1),  # Q
        (600000, 0.65, 1250, 14, 15),
        (600000, 1.0, 1250, 21, 22),
        (10, 2.5, 5, 0, 1),  # B ↓ C
        (20, 6.5, 8, 1, 2),  # C ↓ D
        (50, 6.5, 8, 1, 2),  # D
        (6, 6.5, 2, 0, 1),  # A
    ],
)
def test_table_2a_normal(lot: int, aql: float, n: int, ac: int, re: int) -> None:
    p = plan_for(lot, aql, "II")
    assert (p.sample_size, p.accept, p.reject) == (n, ac, re)
    assert p.verdict(ac) == "passed" and p.verdict(re) == "failed"


def test_sample_larger_than_the_lot_means_all_of_it() -> None:
    p = plan_for(3, 0.65, "II")  # A, ↓ to F (20 pieces) — a lot of 3 is inspected in full
    assert (p.code_letter, p.plan_letter, p.sample_size, p.accept) == ("A", "F", 3, 0)


def test_unsupported_inputs_are_refused_clearly() -> None:
    with pytest.raises(ValidationError, match="not a column"):
        plan_for(100, 3.0)
    with pytest.raises(ValidationError, match="tightened inspection is not available"):
        plan_for(100, 1.0, severity="tightened")
    with pytest.raises(ValidationError):
        code_letter(1, "II")
    assert "III" in LEVELS
