"""CNC boring programs as DXF (ezdxf): one drawing per part, in the part's own frame.

The outline is a closed polyline on layer ``CONTOUR`` (x along the part's length, y across it, origin at
the W1/L1 corner, face up). Face holes are circles on a layer that names diameter and depth, e.g.
``DRILL_V_D35_T13`` (most CNC post-processors map a layer name to a drilling operation); edge holes are
drawn as a short line into the part from the edge on ``DRILL_H_{edge}_D8_T30``. The part's id, size,
material and edges go into a text on layer ``INFO``.
"""

from __future__ import annotations

import io

from jejo.furniture.cabinets import PanelPart


def _n(v: float) -> str:
    return f"{v:g}".replace(".", "_")


def part_dxf(part: PanelPart) -> str:
    """The DXF text of one part (R2010)."""
    import ezdxf

    doc = ezdxf.new("R2010", setup=False)
    doc.units = ezdxf.units.MM
    msp = doc.modelspace()
    doc.layers.add("CONTOUR", color=7)
    doc.layers.add("INFO", color=8)
    L, W = part.length, part.width
    msp.add_lwpolyline([(0, 0), (L, 0), (L, W), (0, W)], close=True, dxfattribs={"layer": "CONTOUR"})
    for b in part.borings:
        if b.face == "F":
            layer = f"DRILL_V_D{_n(b.diameter)}_T{_n(b.depth)}"
            if layer not in doc.layers:
                doc.layers.add(layer, color=1)
            msp.add_circle((b.x, b.y), b.diameter / 2, dxfattribs={"layer": layer})
        else:
            layer = f"DRILL_H_{b.face}_D{_n(b.diameter)}_T{_n(b.depth)}"
            if layer not in doc.layers:
                doc.layers.add(layer, color=3)
            x0 = 0.0 if b.face == "W1" else L
            dx = b.depth if b.face == "W1" else -b.depth
            if b.face in ("L1", "L2"):
                y0 = 0.0 if b.face == "L1" else W
                dy = b.depth if b.face == "L1" else -b.depth
                msp.add_line((b.x, y0), (b.x, y0 + dy), dxfattribs={"layer": layer})
            else:
                msp.add_line((x0, b.y), (x0 + dx, b.y), dxfattribs={"layer": layer})
    info = f"{part.id} {part.role} {L:g}x{W:g}x{part.thickness:g} {part.material} EDGE {part.edge_code}"
    msp.add_text(info, height=8, dxfattribs={"layer": "INFO", "insert": (0, -14)})
    buf = io.StringIO()
    doc.write(buf)
    return buf.getvalue()


def parts_zip(parts: list[PanelPart]) -> bytes:
    """A zip of ``{part_id}.dxf`` for every part with borings."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in parts:
            if p.borings:
                z.writestr(f"{p.id}.dxf", part_dxf(p))
    return buf.getvalue()
