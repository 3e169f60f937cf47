"""A furniture cutting job: parts of several materials, stock sheets with cost and count, remnants,
saw kerf, edge trim and grain; planned into sheets with a cut sequence and a cost / yield report.

Conventions: lengths in mm (floats, resolved to 0.1 mm); a sheet's *length* runs along x and along its
grain; a part's *length* runs along the grain, so a part with grain keeps length along x (never
rotated). Remnants (offcuts kept from earlier jobs) are used before new sheets; offcuts of this job at
least ``min_offcut`` in both sides are reported as new remnant stock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from jejo.core.errors import Problem, ValidationError
from jejo.furniture.cutting.sequence import Cut, Piece, cut_sequence
from jejo.furniture.cutting.solver import Search, SolveOptions, Stock

SCALE = 10  # internal integer unit: 0.1 mm


def _u(mm: float) -> int:
    return round(mm * SCALE)


def _mm(u: int) -> float:
    return round(u / SCALE, 1)


@dataclass(frozen=True, slots=True)
class Part:
    """A part to cut: ``length`` along the grain (x), ``width`` across it; ``grain`` None = the material's."""

    id: str
    material: str
    length: float
    width: float
    qty: int = 1
    grain: bool | None = None


@dataclass(frozen=True, slots=True)
class Sheet:
    """Stock: a full sheet or a remnant of a material, its cost per sheet and how many (None: unlimited)."""

    id: str
    material: str
    length: float
    width: float
    cost: float
    count: int | None = None
    remnant: bool = False


@dataclass(frozen=True, slots=True)
class Material:
    """A board material; ``grain`` True if its parts must keep their orientation by default."""

    code: str
    thickness: float = 18.0
    grain: bool = False


@dataclass(frozen=True, slots=True)
class SawSettings:
    """Saw parameters: kerf, edge trim on full sheets and on remnants, stages (None: any), offcut size."""

    kerf: float = 4.4
    trim: float = 10.0
    remnant_trim: float = 0.0
    stages: int | None = 3
    min_offcut: tuple[float, float] = (300.0, 200.0)


@dataclass(slots=True)
class PlacedPart:
    part: str
    copy: int
    x: float
    y: float
    length: float
    width: float
    rotated: bool


@dataclass(slots=True)
class SheetPlan:
    """One sheet to cut: where each part goes, the cuts in order, the offcuts kept."""

    sheet: str
    material: str
    length: float
    width: float
    cost: float
    remnant: bool
    trim: float
    parts: list[PlacedPart]
    cuts: list[Cut]
    offcuts: list[Piece]
    scale: int = SCALE

    @property
    def part_area(self) -> float:
        return sum(p.length * p.width for p in self.parts)

    @property
    def yield_(self) -> float:
        return self.part_area / (self.length * self.width)


@dataclass(slots=True)
class CutPlan:
    """The plan of a job and its report figures (cost, sheets, cuts, cut length, yield)."""

    sheets: list[SheetPlan]
    kerf: float
    stats: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def cost(self) -> float:
        return round(sum(s.cost for s in self.sheets), 2)

    @property
    def cut_count(self) -> int:
        return sum(len(s.cuts) for s in self.sheets)

    @property
    def cut_length_mm(self) -> float:
        return round(sum(c.length for s in self.sheets for c in s.cuts) / SCALE, 1)

    @property
    def yield_(self) -> float:
        used = sum(s.length * s.width for s in self.sheets)
        return sum(s.part_area for s in self.sheets) / used if used else 0.0

    def offcuts(self, min_offcut: tuple[float, float]) -> list[Sheet]:
        """Waste pieces big enough to keep, as remnant stock for the next job."""
        out = []
        lo, wi = min(min_offcut), max(min_offcut)
        for k, s in enumerate(self.sheets):
            for j, pc in enumerate(s.offcuts):
                a, b = sorted((pc.w / SCALE, pc.h / SCALE))
                if a >= lo and b >= wi:
                    out.append(Sheet(f"R-{s.sheet}-{k}-{j}", s.material, _mm(pc.w), _mm(pc.h), 0.0, 1, True))
        return out

    def report(self, min_offcut: tuple[float, float] = (300.0, 200.0)) -> dict[str, object]:
        """The figures a shop needs: cost, sheets, yield, cuts, cut length, per-sheet details."""
        return {
            "cost": self.cost,
            "sheets": len(self.sheets),
            "new_sheets": sum(not s.remnant for s in self.sheets),
            "remnants_used": sum(s.remnant for s in self.sheets),
            "yield": round(self.yield_, 4),
            "cut_count": self.cut_count,
            "cut_length_mm": self.cut_length_mm,
            "kerf_mm": self.kerf,
            "offcuts_kept": [
                {"material": o.material, "length": o.length, "width": o.width}
                for o in self.offcuts(min_offcut)
            ],
            "per_sheet": [
                {
                    "sheet": s.sheet,
                    "material": s.material,
                    "length": s.length,
                    "width": s.width,
                    "remnant": s.remnant,
                    "cost": s.cost,
                    "trim": s.trim,
                    "yield": round(s.yield_, 4),
                    "parts": [asdict(p) for p in s.parts],
                    "cuts": [
                        {
                            "stage": c.stage,
                            "axis": c.axis,
                            "at": _mm(c.at),
                            "start": _mm(c.start),
                            "end": _mm(c.end),
                            "trim": c.trim,
                        }
                        for c in s.cuts
                    ],
                }
                for s in self.sheets
            ],
        }


def _check(
    parts: Sequence[Part], stock: Sequence[Sheet], materials: dict[str, Material], saw: SawSettings
) -> None:
    problems = []
    if saw.kerf < 0 or saw.trim < 0 or (saw.trim and saw.trim < saw.kerf):
        problems.append(Problem("need 0 <= kerf <= trim (or trim 0)", field="saw"))
    for p in parts:
        if p.material not in materials:
            problems.append(Problem(f"unknown material {p.material!r}", field=f"part {p.id}"))
        if p.length <= 0 or p.width <= 0 or p.qty < 1:
            problems.append(Problem("sizes and quantity must be positive", field=f"part {p.id}"))
    for s in stock:
        if s.material not in materials:
            problems.append(Problem(f"unknown material {s.material!r}", field=f"sheet {s.id}"))
    if problems:
        raise ValidationError("invalid cutting job", problems)


def plan_job(
    parts: Sequence[Part],
    stock: Sequence[Sheet],
    materials: Sequence[Material],
    saw: SawSettings | None = None,
    time_limit: float = 5.0,
    seed: int = 0,
) -> CutPlan:
    """Plan every material of the job: minimum cost, then sheets; remnants first."""
    saw = saw or SawSettings()
    mats = {m.code: m for m in materials}
    _check(parts, stock, mats, saw)
    kerf = _u(saw.kerf)
    sheets: list[SheetPlan] = []
    stats: dict[str, float | int | str] = {}
    codes = [m for m in mats if any(p.material == m for p in parts)]
    for code in codes:
        mparts = [p for p in parts if p.material == code]
        msheets = [s for s in stock if s.material == code]
        stocks, trims = [], []
        for s in msheets:
            t = _u(saw.remnant_trim if s.remnant else saw.trim)
            trims.append(t)
            stocks.append(
                Stock(
                    _u(s.length) - 2 * t + kerf,
                    _u(s.width) - 2 * t + kerf,
                    s.cost,
                    s.count,
                    0 if s.remnant else 1,
                )
            )
        items: list[tuple[int, int, int, bool]] = []
        names: list[tuple[str, int]] = []
        for p in mparts:
            grain = mats[code].grain if p.grain is None else p.grain
            for c in range(p.qty):
                items.append((len(items), _u(p.length) + kerf, _u(p.width) + kerf, not grain))
                names.append((p.id, c))
        for (_, w, h, rot), (pid, _) in zip(items, names, strict=True):
            if not any((w <= s.w and h <= s.h) or (rot and h <= s.w and w <= s.h) for s in stocks):
                raise ValidationError(
                    "part does not fit",
                    [Problem(f"fits on no {code} sheet (with trim)", field=f"part {pid}")],
                )
        opts = SolveOptions(
            guillotine=True, stages=saw.stages, time_limit=time_limit / max(1, len(codes)), seed=seed
        )
        search = Search(items, stocks, opts)
        packing = search.run()
        stats[f"{code}_search"] = str(dict(search.stats))
        for k, pl in packing:
            s, t = msheets[k], trims[k]
            placed = []
            rects = []
            for idx, x, y, w, h, r in pl:
                pid, c = names[idx]
                x1, y1 = x + t, y + t
                rects.append((x1, y1, x1 + w - kerf, y1 + h - kerf))
                placed.append(PlacedPart(pid, c, _mm(x1), _mm(y1), _mm(w - kerf), _mm(h - kerf), r))
            cuts, waste = cut_sequence(_u(s.length), _u(s.width), t, kerf, rects)
            sheets.append(
                SheetPlan(s.id, code, s.length, s.width, s.cost, s.remnant, _mm(t), placed, cuts, waste)
            )
    sheets.sort(key=lambda sp: (sp.material, not sp.remnant, sp.sheet))
    return CutPlan(sheets, saw.kerf, stats)


def job_from_dict(d: dict) -> tuple[list[Part], list[Sheet], list[Material], SawSettings]:
    """Read a job from its JSON form: ``materials``, ``stock``, ``parts`` and optional ``saw``."""
    try:
        mats = [
            Material(m["code"], float(m.get("thickness", 18.0)), bool(m.get("grain", False)))
            for m in d["materials"]
        ]
        stock = [
            Sheet(
                s["id"],
                s["material"],
                float(s["length"]),
                float(s["width"]),
                float(s["cost"]),
                s.get("count"),
                bool(s.get("remnant", False)),
            )
            for s in d["stock"]
        ]
        parts = [
            Part(
                p["id"],
                p["material"],
                float(p["length"]),
                float(p["width"]),
                int(p.get("qty", 1)),
                p.get("grain"),
            )
            for p in d["parts"]
        ]
        sw = d.get("saw", {})
        saw = SawSettings(
            float(sw.get("kerf", 4.4)),
            float(sw.get("trim", 10.0)),
            float(sw.get("remnant_trim", 0.0)),
            sw.get("stages", 3),
            tuple(sw.get("min_offcut", (300.0, 200.0))),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError("invalid cutting job", [Problem(f"missing or bad field: {exc}")]) from exc
    return parts, stock, mats, saw
