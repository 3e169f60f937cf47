"""Tag maps: a good one loads; a malformed one names every problem with its line and key."""

from __future__ import annotations

import pytest

from jejo.core.errors import ValidationError
from jejo.telemetry.model import Role, parse_tag_map

GOOD = """\
company: DEMO
sources:
  - {name: mc, kind: opcua, endpoint: "opc.tcp://127.0.0.1:4840/"}
  - {name: plc, kind: modbus, host: 127.0.0.1, port: 5020, word_order: little}
  - {name: edge, kind: mqtt, url: "mqtt://127.0.0.1:1883", format: sparkplug, topics: ["spBv1.0/g/#"]}
tags:
  - {tag: MC-01.state, source: mc, address: "ns=2;s=MC-01/State", role: state, equipment: MC-01, type: string}
  - {tag: MC-02.temp, source: plc, address: "ir:0", type: int16, scale: 0.1, unit: "°C", deadband: 0.2}
  - {tag: MC-03.good, source: edge, address: good, device: MC-03, role: good_count, equipment: MC-03}
  - tag: MC-02.state
    source: plc
    address: hr:0
    type: uint16
    role: state
    equipment: MC-02
    state_map: {0: off, 2: running, 3: down}
"""


def test_good_tag_map_loads() -> None:
    tm = parse_tag_map(GOOD)
    assert [s.kind for s in tm.sources] == ["opcua", "modbus", "mqtt"]
    assert tm.by_tag()["MC-02.temp"].scaled(215) == pytest.approx(21.5)
    assert tm.by_tag()["MC-03.good"].role is Role.GOOD_COUNT
    assert tm.by_tag()["MC-02.state"].state_map == {"0": "off", "2": "running", "3": "down"}


def test_every_problem_names_line_and_key() -> None:
    bad = GOOD.replace('address: "ir:0"', 'address: "40001"').replace(
        "word_order: little", "word_order: middle"
    )
    bad = bad.replace("device: MC-03, ", "").replace(
        "    source: plc\n    address: hr:0", "    source: plx\n    address: hr:0"
    )
    with pytest.raises(ValidationError) as err:
        parse_tag_map(bad, origin="map.yaml")
    problems = {(p.field, p.row) for p in err.value.problems}
    assert ("sources.1.word_order", 4) in problems
    text = str(err.value)
    assert "map.yaml" in text


def test_cross_checks_name_line_and_key() -> None:
    bad = GOOD.replace('address: "ir:0"', 'address: "40001"').replace("device: MC-03, ", "")
    bad = bad.replace("    source: plc\n    address: hr:0", "    source: plx\n    address: hr:0")
    with pytest.raises(ValidationError) as err:
        parse_tag_map(bad)
    got = {(p.field, p.row) for p in err.value.problems}
    assert ("tags.1.address", 8) in got
    assert ("tags.2.device", 9) in got
    assert ("tags.3.source", 11) in got


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ValidationError) as err:
        parse_tag_map("company: X\nsources: [\n  - a\n")
    assert err.value.problems[0].row is not None
