"""The parametric cabinet library: a cabinet's sizes and options → its panel parts.

Pure domain code (no database). Conventions:

* lengths in mm; a part's ``length`` runs along the grain (for grain-free boards: along its longer
  natural direction, e.g. a side's height), ``width`` across it; sizes are finished = cut sizes (thin
  edge bands; the edge bander's pre-milling takes off what the band adds);
* carcass construction: sides run the full height, bottom and top sit between the sides (dowelled),
  fronts overlay the carcass with a 1.5 mm reveal on each outer edge and 3 mm between fronts;
* the back is either *set in* (between the sides, top and bottom, flush with the rear) or *overlay*
  (nailed on the rear over the whole carcass; the carcass is shallower by the back's thickness);
* edges: ``L1``/``L2`` are the two long (length) edges, ``W1``/``W2`` the two short (width) edges;
  ``L1`` is the visible front edge of carcass parts;
* boring: hinge cups (35 mm, 13 deep, 22.5 mm from the door edge, 100 mm from the ends, a third one on
  tall doors), hinge mounting-plate holes and shelf-pin holes (5 mm, system 32: 37 mm from the front
  and back edges) on sides, dowels (8 mm) in the sides' faces and the bottom/top ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from jejo.core.errors import Problem, ValidationError

Kind = Literal["base", "wall", "tall", "drawer", "shelf"]
KINDS: tuple[str, ...] = ("base", "wall", "tall", "drawer", "shelf")
EDGES = ("L1", "L2", "W1", "W2")

#: default sizes per kind: width, height, depth (mm), shelves, doors (0 = automatic)
DEFAULTS: dict[str, tuple[float, float, float, int]] = {
    "base": (600, 720, 560, 1),
    "wall": (600, 720, 320, 2),
    "tall": (600, 2100, 560, 4),
    "drawer": (600, 720, 560, 0),
    "shelf": (800, 1800, 300, 4),
}
KIND_KO = {"base": "하부장", "wall": "상부장", "tall": "키큰장", "drawer": "서랍장", "shelf": "오픈 선반장"}

REVEAL = 1.5  # outer gap of an overlay front
GAP = 3.0  # gap between two fronts
RAIL = 100.0  # width of a base cabinet's top rails
SETBACK = 20.0  # shelves stand back from the front edge
HINGE_CUP = 35.0
HINGE_EDGE = 22.5  # cup centre from the door edge
HINGE_END = 100.0  # cup centre from the door's top / bottom
SYS32 = 37.0  # system-32 line from the carcass front / rear edge
DOWEL = 8.0
PIN = 5.0


@dataclass(frozen=True, slots=True)
class Boring:
    """A hole: ``face`` ``F`` (the face, at x along the length and y across it) or an edge name
    (``W1`` at x = 0, ``W2`` at x = length; ``y`` across the width), diameter and depth in mm."""

    kind: str  # hinge | plate | dowel | shelf_pin
    face: str
    x: float
    y: float
    diameter: float
    depth: float


@dataclass(frozen=True, slots=True)
class PanelPart:
    """One physical panel of one cabinet (every panel has its own id, label and scans)."""

    id: str
    cabinet: str
    role: str  # side | bottom | top | rail | back | shelf | door | drawer_front | drawer_side | ...
    name: str  # Korean name for lists and labels
    material: str
    thickness: float
    length: float
    width: float
    grain: bool
    edges: tuple[str, ...] = ()
    borings: tuple[Boring, ...] = ()

    @property
    def edge_code(self) -> str:
        """``L1 L2 W1 W2`` as four characters, ``1`` banded, ``0`` not (Cut Rite style)."""
        return "".join("1" if e in self.edges else "0" for e in EDGES)

    @property
    def area_m2(self) -> float:
        return self.length * self.width / 1e6

    @property
    def band_m(self) -> float:
        """Edge banding length in metres (without overlength)."""
        mm = sum(self.length if e.startswith("L") else self.width for e in self.edges)
        return mm / 1000


@dataclass(frozen=True, slots=True)
class CabinetSpec:
    """A cabinet to build. ``doors`` 0 = automatic (one up to 600 mm wide, else two)."""

    kind: str
    width: float | None = None
    height: float | None = None
    depth: float | None = None
    thickness: float = 18.0
    material: str = "MEL-W18"  # carcass board
    front_material: str = "MEL-OAK18"  # doors, drawer fronts (grain along the height)
    back: str = "set_in"  # set_in | overlay
    back_material: str = "HDF-3"
    back_thickness: float = 3.0
    shelves: int | None = None
    doors: int = 0
    drawers: int = 3
    drawer_material: str = "MEL-W15"
    drawer_thickness: float = 15.0
    front_grain: bool = True
    band_all_carcass: bool = False  # also band the rear and end edges (visible ends)
    qty: int = 1
    label: str = ""

    def size(self) -> tuple[float, float, float]:
        w, h, d, _ = DEFAULTS[self.kind]
        return (self.width or w, self.height or h, self.depth or d)

    def shelf_count(self) -> int:
        if self.kind == "drawer":
            return 0
        return DEFAULTS[self.kind][3] if self.shelves is None else self.shelves

    def door_count(self) -> int:
        if self.kind in ("shelf", "drawer"):
            return 0
        if self.doors:
            return self.doors
        return 1 if self.size()[0] <= 600 else 2

    def item_code(self) -> str:
        """A stable master-data code for this configuration."""
        w, h, d = self.size()
        opts = f"{self.material}/{self.front_material}/{self.back[0]}{self.shelf_count()}"
        opts += f"d{self.door_count()}r{self.drawers if self.kind == 'drawer' else 0}"
        digest = _short_hash(f"{self.thickness}|{opts}|{self.back_material}|{self.band_all_carcass}")
        return f"CAB-{self.kind.upper()}-{w:.0f}x{h:.0f}x{d:.0f}-{digest}"

    def title(self) -> str:
        w, h, d = self.size()
        return f"{KIND_KO[self.kind]} {w:.0f}×{h:.0f}×{d:.0f}"


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:6].upper()


def check_spec(spec: CabinetSpec, where: str = "") -> list[Problem]:
    """Every problem with a spec (empty when it can be built)."""
    out: list[Problem] = []
    if spec.kind not in KINDS:
        return [
            Problem(
                f"unknown cabinet kind {spec.kind!r}; use one of {', '.join(KINDS)}", field=where + "kind"
            )
        ]
    w, h, d = spec.size()
    t = spec.thickness
    if not 6 <= t <= 40:
        out.append(Problem("board thickness must be 6–40 mm", field=where + "thickness"))
    for name, v, lo, hi in (("width", w, 150, 1200), ("height", h, 200, 2800), ("depth", d, 150, 900)):
        if not lo <= v <= hi:
            out.append(Problem(f"{name} must be {lo}–{hi} mm", field=where + name))
    if spec.back not in ("set_in", "overlay"):
        out.append(Problem("back must be set_in or overlay", field=where + "back"))
    if spec.shelves is not None and not 0 <= spec.shelves <= 12:
        out.append(Problem("shelves must be 0–12", field=where + "shelves"))
    if spec.doors not in (0, 1, 2):
        out.append(Problem("doors must be 0 (automatic), 1 or 2", field=where + "doors"))
    if spec.kind == "drawer" and not 1 <= spec.drawers <= 6:
        out.append(Problem("drawers must be 1–6", field=where + "drawers"))
    if not 1 <= spec.qty <= 500:
        out.append(Problem("qty must be 1–500", field=where + "qty"))
    return out


@dataclass
class _Builder:
    cabinet: str
    parts: list[PanelPart] = field(default_factory=list)

    def add(
        self,
        role: str,
        name: str,
        material: str,
        thickness: float,
        length: float,
        width: float,
        grain: bool = False,
        edges: tuple[str, ...] = (),
        borings: tuple[Boring, ...] = (),
    ) -> None:
        pid = f"{self.cabinet}-{len(self.parts) + 1:02d}"
        self.parts.append(
            PanelPart(
                pid,
                self.cabinet,
                role,
                name,
                material,
                thickness,
                round(length, 1),
                round(width, 1),
                grain,
                edges,
                borings,
            )
        )


def _hinge_positions(door_height: float) -> list[float]:
    xs = [HINGE_END, door_height - HINGE_END]
    if door_height > 1500:
        xs.insert(1, door_height / 2)
    return xs


def _spread(lo: float, hi: float, n: int) -> list[float]:
    """``n`` positions evenly between ``lo`` and ``hi`` (exclusive), snapped to 32 mm from ``lo``."""
    if n <= 0:
        return []
    step = (hi - lo) / (n + 1)
    return [lo + round(step * (i + 1) / 32) * 32 for i in range(n)]


def explode(spec: CabinetSpec, cabinet_id: str) -> list[PanelPart]:
    """The panels of one cabinet, each with its own id ``{cabinet_id}-NN``."""
    problems = check_spec(spec)
    if problems:
        raise ValidationError(f"cabinet {cabinet_id} cannot be built", problems)
    w, h, d = spec.size()
    t = spec.thickness
    bt = spec.back_thickness
    set_in = spec.back == "set_in"
    cd = d if set_in else d - bt  # carcass (side) depth
    inner_w = w - 2 * t
    inner_d = cd - bt if set_in else cd  # depth of bottom, top and shelves (set-in back behind them)
    b = _Builder(cabinet_id)
    carcass_edges: tuple[str, ...] = EDGES if spec.band_all_carcass else ("L1",)
    front_grain = spec.front_grain

    # where fronts hang and shelves sit, measured on the side from its bottom end (x along the length)
    doors = spec.door_count()
    door_rows = 2 if spec.kind == "tall" and doors else 1 if doors else 0
    door_h = (h - 2 * REVEAL - GAP * (door_rows - 1)) / door_rows if door_rows else 0.0
    hinge_x: list[float] = []
    for r in range(door_rows):
        x0 = REVEAL + r * (door_h + GAP)
        hinge_x += [x0 + x for x in _hinge_positions(door_h)]
    shelves = spec.shelf_count()
    shelf_x = _spread(t, h - t, shelves)

    side_borings: list[Boring] = []
    for x in (t / 2, h - t / 2):  # bottom and top dowels
        for y in (SYS32, cd - SYS32):
            side_borings.append(Boring("dowel", "F", x, y, DOWEL, 12))
    for x in shelf_x:  # shelf pins just under each shelf
        for y in (SYS32, cd - SYS32 - (bt if set_in else 0)):
            side_borings.append(Boring("shelf_pin", "F", round(x - 5, 1), y, PIN, 12))
    for x in hinge_x:  # mounting plates (two screws 32 mm apart)
        for dx in (-16, 16):
            side_borings.append(Boring("plate", "F", round(x + dx, 1), SYS32, PIN, 12))
    for i in (1, 2):
        b.add(
            "side",
            f"측판 {'좌' if i == 1 else '우'}",
            spec.material,
            t,
            h,
            cd,
            False,
            carcass_edges,
            tuple(side_borings),
        )

    end_dowels = tuple(
        Boring("dowel", edge, 0.0 if edge == "W1" else inner_w, y, DOWEL, 30)
        for edge in ("W1", "W2")
        for y in (SYS32, cd - SYS32)
        if y < inner_d
    )
    b.add("bottom", "하판", spec.material, t, inner_w, inner_d, False, ("L1",), end_dowels)
    if spec.kind in ("base", "drawer"):  # worktop goes on two rails
        for name in ("앞 상부 레일", "뒤 상부 레일"):
            b.add(
                "rail",
                name,
                spec.material,
                t,
                inner_w,
                RAIL,
                False,
                ("L1",) if "앞" in name else (),
                end_dowels[:1] + end_dowels[2:3],
            )
    else:
        b.add("top", "상판", spec.material, t, inner_w, inner_d, False, ("L1",), end_dowels)

    if set_in:
        b.add("back", "뒷판", spec.back_material, bt, h - 2 * t, inner_w, False)
    else:
        b.add("back", "뒷판", spec.back_material, bt, h, w, False)

    if spec.kind == "tall":  # a fixed middle shelf (dowelled) stiffens a tall carcass
        b.add("fixed_shelf", "고정 선반", spec.material, t, inner_w, inner_d, False, ("L1",), end_dowels)
    for i in range(shelves - (1 if spec.kind == "tall" and shelves else 0)):
        b.add("shelf", f"선반 {i + 1}", spec.material, t, inner_w - 2, inner_d - SETBACK, False, ("L1",))

    if doors:
        door_w = (w - 2 * REVEAL - GAP * (doors - 1)) / doors
        for r in range(door_rows):
            for k in range(doors):
                cups = tuple(
                    Boring("hinge", "F", x, HINGE_EDGE if k == 0 else door_w - HINGE_EDGE, HINGE_CUP, 13)
                    for x in _hinge_positions(door_h)
                )
                name = "문짝" + ("" if doors == 1 else " 좌" if k == 0 else " 우")
                if door_rows > 1:
                    name += " 하" if r == 0 else " 상"
                b.add("door", name, spec.front_material, t, door_h, door_w, front_grain, EDGES, cups)

    if spec.kind == "drawer":
        n = spec.drawers
        front_h = (h - 2 * REVEAL - GAP * (n - 1)) / n
        dt = spec.drawer_thickness
        box_h = max(60.0, round(front_h - 60, 0))
        box_d = max(250.0, (inner_d - 30) // 50 * 50)  # runner lengths come in 50 mm steps
        box_w = inner_w - 26  # 13 mm runner clearance each side
        for i in range(n):
            b.add(
                "drawer_front",
                f"서랍 앞판 {i + 1}",
                spec.front_material,
                t,
                w - 2 * REVEAL,
                front_h,
                front_grain if front_grain else False,
                EDGES,
            )
            for s in ("좌", "우"):
                b.add(
                    "drawer_side",
                    f"서랍 {i + 1} 측판 {s}",
                    spec.drawer_material,
                    dt,
                    box_d,
                    box_h,
                    False,
                    ("L1",),
                )
            for s in ("앞", "뒤"):
                b.add(
                    "drawer_end",
                    f"서랍 {i + 1} {s}판",
                    spec.drawer_material,
                    dt,
                    box_w - 2 * dt,
                    box_h,
                    False,
                    ("L1",),
                )
            b.add(
                "drawer_bottom",
                f"서랍 {i + 1} 바닥",
                spec.back_material,
                spec.back_thickness,
                box_d,
                box_w,
                False,
            )
    return b.parts


def explode_order(specs: list[CabinetSpec], order_code: str) -> list[PanelPart]:
    """All panels of an order: cabinet ids ``{order}-C01``, ``-C02`` … (one per unit of ``qty``)."""
    problems: list[Problem] = []
    for i, s in enumerate(specs):
        problems += check_spec(s, f"cabinets.{i}.")
    if problems:
        raise ValidationError("order cannot be built", problems)
    out: list[PanelPart] = []
    n = 0
    for s in specs:
        for _ in range(s.qty):
            n += 1
            out += explode(s, f"{order_code}-C{n:02d}")
    return out


def spec_from_dict(d: dict[str, object]) -> CabinetSpec:
    """A spec from JSON (unknown keys are refused)."""
    known = set(CabinetSpec.__dataclass_fields__)
    extra = set(d) - known
    if extra:
        raise ValidationError(
            "unknown cabinet fields", [Problem(f"unknown field {k!r}", field=k) for k in extra]
        )
    try:
        return CabinetSpec(**d)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ValidationError("invalid cabinet", [Problem(str(exc))]) from exc
