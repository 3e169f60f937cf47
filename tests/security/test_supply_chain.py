"""Dependencies are pinned with hashes: every artefact of every package in uv.lock carries a sha256
(``uv sync --frozen`` refuses a download that does not match), and the licence report covers them."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("licences", REPO / "scripts" / "licences.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["licences"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_every_locked_artefact_has_a_sha256() -> None:
    lic = _script()
    locked = lic.read_lock()
    assert len(locked) > 50
    assert lic.unhashed(locked) == []
    runtime = {p.name.lower() for p in locked if p.runtime}
    assert {"fastapi", "sqlalchemy", "argon2-cffi", "uvicorn"} <= runtime
    assert "pytest" not in runtime and "schemathesis" not in runtime


def test_direct_dependencies_are_pinned_exactly() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = project["project"]["dependencies"] + project["dependency-groups"]["dev"]
    loose = [d for d in deps if "==" not in d and not ("<" in d and ">=" in d)]
    assert not loose, f"pin these with ==: {loose}"


def test_a_lock_without_hashes_is_caught(tmp_path: Path) -> None:
    lic = _script()
    text = (REPO / "uv.lock").read_text()
    bad = tmp_path / "uv.lock"
    bad.write_text(text.replace('hash = "sha256:', 'hash_removed = "sha256:', 1))
    assert len(lic.unhashed(lic.read_lock(bad))) == 1


def test_licence_report_names_a_licence_for_runtime_packages(tmp_path: Path) -> None:
    lic = _script()
    out = tmp_path / "licences.md"
    assert lic.main(["--out", str(out)]) == 0
    text = out.read_text()
    assert "## Runtime" in text and "| fastapi |" in text
    unknown = [line for line in text.splitlines() if line.startswith("| ") and "unknown" in line]
    assert len(unknown) <= 3, unknown


def test_every_module_the_package_imports_is_a_runtime_dependency() -> None:
    """A third-party import in src/jejo (at the top of a module or inside a function) must come from a
    package the runtime install gets (``uv sync --no-dev``): a test tool that happens to be installed in
    development hides a missing one until the demo starts on a fresh machine."""
    import ast
    from importlib.metadata import packages_distributions

    lic = _script()
    runtime = {lic._norm(p.name) for p in lic.read_lock() if p.runtime}
    dists = packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    missing: dict[str, set[str]] = {}
    for path in sorted((REPO / "src" / "jejo").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in stdlib or top in ("jejo", "__future__"):
                    continue
                owners = {lic._norm(d) for d in dists.get(top, [])}
                if not owners & runtime:
                    missing.setdefault(top, set()).add(str(path.relative_to(REPO)))
    assert not missing, f"imported but not a runtime dependency: {missing}"
