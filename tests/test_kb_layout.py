"""kb/'s wings (kb/README.md): each module imports only from its own wing or the wings below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kb.paths import ROOT

KB = ROOT / "kb"

# A wing's floor: a module may import from wings on its floor or below, never above.
FLOORS = {"paths": 0, "notes": 1, "cards": 2, "logseq": 3, "notebooks": 3, "site": 4, "tools": 5,
          "figures": 6, "__main__": 6}


def wing_of(module: str) -> str | None:
    """``kb.cards.extract`` -> ``cards``; a module outside kb -> None."""
    parts = module.split(".")
    if parts[0] != "kb" or len(parts) < 2:
        return None
    return parts[1]


def kb_imports(path: Path) -> list[tuple[int, str]]:
    """The kb modules a file imports, with their lines."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kb":
                found += [(node.lineno, f"kb.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if wing_of(name)]


def upward_imports(kb_dir: Path) -> list[str]:
    problems = []
    for path in sorted(kb_dir.rglob("*.py")):
        relative = path.relative_to(kb_dir)
        wing = relative.parts[0].removesuffix(".py")
        if wing == "__init__":
            continue
        if wing not in FLOORS:
            problems.append(f"kb/{relative}: in no wing of kb/README.md")
            continue
        for line, name in kb_imports(path):
            target = wing_of(name)
            if target not in FLOORS:
                problems.append(f"kb/{relative}:{line}: imports {name}, in no wing")
            elif target != wing and FLOORS[target] >= FLOORS[wing]:
                problems.append(f"kb/{relative}:{line}: kb.{wing} imports {name}, not below it")
    return problems


def test_every_kb_module_imports_only_downward():
    assert upward_imports(KB) == []


def test_flat_modules_are_gone():
    """kb/ itself holds only the package files, paths.py and the wings."""
    assert sorted(p.name for p in KB.glob("*.py")) == ["__init__.py", "__main__.py", "paths.py"]


@pytest.mark.parametrize("source, expected", [
    ("from kb.site import katex\n", "kb/notes/bad.py:1: kb.notes imports kb.site, not below it"),
    ("import kb.tools.lint\n", "kb/notes/bad.py:1: kb.notes imports kb.tools.lint, not below it"),
    ("from kb import stats\n", "kb/notes/bad.py:1: imports kb.stats, in no wing"),
])
def test_an_upward_import_is_reported_with_its_line(tmp_path, source, expected):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "bad.py").write_text(source, encoding="utf-8")
    assert upward_imports(tmp_path) == [expected]


def test_same_floor_and_downward_imports_pass(tmp_path):
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "ok.py").write_text(
        "from kb.cards import cloze\nfrom kb.notes import links\nfrom kb.paths import ROOT\n", encoding="utf-8")
    assert upward_imports(tmp_path) == []


def test_every_kb_module_and_package_is_in_git():
    """A fresh clone has every module: nothing under kb/ is left out by .gitignore (``site/`` once
    hid kb/site/__init__.py and kb/site/build_state.py, and only checkouts that had them built)."""
    import subprocess

    tracked = set(subprocess.run(["git", "ls-files", "kb"], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.split("\n"))
    on_disk = {str(path.relative_to(ROOT)) for path in KB.rglob("*.py") if "__pycache__" not in path.parts}
    folders = {path.parent for path in KB.rglob("*.py")}
    packages = {str((folder / "__init__.py").relative_to(ROOT)) for folder in folders}
    assert sorted(on_disk - tracked) == [] and sorted(packages - tracked) == []


def folders_named_outside_paths(kb_dir: Path) -> list[str]:
    """Names given to a folder climbed to from a module's own file (``X = Path(__file__)…parent``):
    the project's folders are defined once, in kb/paths.py. A file beside the module
    (``.with_name``) and the bootstrap ``sys.path.insert(0, …parents[2])`` of a hook are not names."""
    problems = []
    for path in sorted(kb_dir.rglob("*.py")):
        relative = path.relative_to(kb_dir).as_posix()
        if relative == "paths.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                continue
            parts = list(ast.walk(node.value))
            from_file = any(isinstance(part, ast.Name) and part.id == "__file__" for part in parts)
            climbs = any(isinstance(part, ast.Attribute) and part.attr in ("parent", "parents") for part in parts)
            if from_file and climbs:
                problems.append(f"kb/{relative}:{node.lineno}: a folder named here, not in kb/paths.py")
    return problems


def test_the_projects_folders_are_named_only_in_kb_paths():
    assert folders_named_outside_paths(KB) == []


def test_a_folder_named_outside_kb_paths_is_reported_with_its_line(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "x.py").write_text(
        "import sys\nfrom pathlib import Path\n"
        "sys.path.insert(0, str(Path(__file__).resolve().parents[2]))\n"
        "HERE = Path(__file__).with_name('x.cjs')\n"
        "KB_DIR = Path(__file__).resolve().parents[1]\n", encoding="utf-8")
    assert folders_named_outside_paths(tmp_path) == ["kb/site/x.py:5: a folder named here, not in kb/paths.py"]
