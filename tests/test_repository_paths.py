"""Nothing in the repository reads a path outside its own tree.

A clone from GitHub has nothing beside it: a test that read a folder beside the checkout passed on a
developer's machine and failed in the GitHub workflow. These tests read every tracked file
and fail, naming file and line, when one names a path that leaves the repository:

* an absolute path into a home or workspace folder (``/home/…``, ``/root/…``, ``/Users/…``,
  ``/work/…``, ``C:\\Users\\…``), in any text file;
* in Python, a filesystem path that climbs above the repository root: ``ROOT.parent``,
  ``Path(__file__).parents[k]`` past the root, ``ROOT / ".." / …``, ``Path("../x")``.
  The expressions are evaluated from the source (``Path(__file__)``, ``.parent``,
  ``.parents[k]``, ``/``, ``os.path.join``/``dirname``, and names assigned from those), so
  URL strings such as ``"../../assets/x.png"`` (relative links inside the built site) are
  not mistaken for files;
* in other text files, a ``../`` path that leaves the repository from where it is resolved:
  the file's own folder (Markdown link and image targets, the Makefile, ``.ci/run``), or the
  repository root for GitHub workflows (their steps run in the checkout).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from conftest import ROOT

RE_PRIVATE_ABSOLUTE = re.compile(r"(?<![\w.~%-])(?:/(?:home|root|Users|work|workspace)/|[A-Za-z]:\\\\?Users\\)")
RE_UP_PATH = re.compile(r"(?<![\w.])(?:\.\./)+[^\s\"'`)\]>]*")
# In Markdown only link and image targets are read; prose and code spans may describe
# paths relative to a note (README: "images from `../assets/`").
RE_MARKDOWN_TARGET = re.compile(r"""\]\(<?((?:\.\./)+[^\s)>]*)|(?:src|href)=["']((?:\.\./)+[^"']*)""")


# This file names such paths on purpose, as examples for the checks' own tests.
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()


def tracked_text_files() -> list[tuple[str, str]]:
    """(path relative to the root, text) of every tracked file that is text, but this one."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    files = []
    for name in filter(None, names):
        if name == THIS_FILE:
            continue
        data = (ROOT / name).read_bytes() if (ROOT / name).is_file() else b""
        if b"\0" in data:
            continue                                    # images and other binary files
        try:
            files.append((name, data.decode("utf-8")))
        except UnicodeDecodeError:
            continue
    return files


def leaves_repository(relative: PurePosixPath) -> bool:
    """Whether ``relative`` (a path from the root, possibly with ``..``) ends outside the root."""
    depth = 0
    for part in relative.parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            return True
    return False


class _PathEvaluator(ast.NodeVisitor):
    """Evaluates path expressions of one Python module to paths relative to the root.

    A value is a ``PurePosixPath`` relative to the root (``..`` parts kept) or ``None`` when
    the expression is not a path this reader can follow. Relative ``Path("x")`` is taken
    from the root: the project's commands and tests run there.
    """

    def __init__(self, module: str):
        self.file = PurePosixPath(module)
        # ``ROOT`` is the project's name for the repository root, also where it is imported
        # (``from conftest import ROOT``); a module that assigns it is followed instead.
        self.names: dict[str, PurePosixPath] = {"ROOT": PurePosixPath(".")}
        self.escapes: list[tuple[int, str]] = []

    def value(self, node: ast.AST) -> PurePosixPath | None:
        if isinstance(node, ast.Name):
            return self.file if node.id == "__file__" else self.names.get(node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return None                                  # a bare string is not (yet) a path
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("Path", "PurePath", "PurePosixPath") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Name) and first.id == "__file__":
                    return self.file
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    return self._string_path(first.value)
                return self.value(first)
            if isinstance(func, ast.Attribute) and name in ("resolve", "absolute", "expanduser"):
                return self.value(func.value)
            if name == "dirname" and node.args:
                base = self.value(node.args[0])
                return None if base is None else base / ".."
            if name == "join" and node.args:
                base = self.value(node.args[0])
                for part in node.args[1:]:
                    if base is None or not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                        return None
                    base = base / part.value
                return base
            return None
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self.value(node.value)
            return None if base is None else base / ".."
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
            base = self.value(node.value.value)
            return None if base is None else base.joinpath(*[".."] * (node.slice.value + 1))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            base = self.value(node.left)
            right = node.right
            if base is not None and isinstance(right, ast.Constant) and isinstance(right.value, str):
                return base / right.value
            return None
        return None

    @staticmethod
    def _string_path(text: str) -> PurePosixPath | None:
        return None if text.startswith(("/", "~")) or "://" in text else PurePosixPath(text)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            path = self.value(node.value)
            if path is not None:
                self.names[node.targets[0].id] = path
        elif isinstance(node, ast.expr) and not isinstance(node, ast.Name):   # where it is built, not each use
            path = self.value(node)
            if path is not None and leaves_repository(path):
                self.escapes.append((node.lineno, ast.unparse(node)))
                return                                   # one report per expression
        super().generic_visit(node)


def python_escapes(name: str, text: str) -> list[str]:
    evaluator = _PathEvaluator(name)
    evaluator.visit(ast.parse(text, filename=name))
    return [f"{name}:{line}: {source}" for line, source in evaluator.escapes]


def text_escapes(name: str, text: str) -> list[str]:
    base = PurePosixPath(".") if name.startswith(".github/") else PurePosixPath(name).parent
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if name.endswith(".md"):
            paths = [m.group(1) or m.group(2) for m in RE_MARKDOWN_TARGET.finditer(line)]
        else:
            paths = [m.group() for m in RE_UP_PATH.finditer(line)]
        found += [f"{name}:{number}: {path}" for path in paths if leaves_repository(base / path)]
    return found


def private_absolute_paths(name: str, text: str) -> list[str]:
    return [f"{name}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), 1) if RE_PRIVATE_ABSOLUTE.search(line)]


@pytest.fixture(scope="module")
def files() -> list[tuple[str, str]]:
    found = tracked_text_files()
    names = {name for name, _ in found}
    assert {"README.md", "Makefile", ".ci/run", "tests/conftest.py"} <= names   # the scan sees the tree
    return found


def test_no_tracked_file_names_a_home_or_workspace_folder(files):
    found = [hit for name, text in files for hit in private_absolute_paths(name, text)]
    assert not found, "absolute paths into a home or workspace folder:\n" + "\n".join(found)


def test_no_python_code_climbs_above_the_repository_root(files):
    found = [hit for name, text in files if name.endswith(".py") for hit in python_escapes(name, text)]
    assert not found, "paths above the repository root:\n" + "\n".join(found)


def test_no_other_file_names_a_relative_path_out_of_the_repository(files):
    found = [hit for name, text in files if not name.endswith(".py") for hit in text_escapes(name, text)]
    assert not found, "relative paths that leave the repository:\n" + "\n".join(found)


# The checks themselves, on the mistakes they exist for.

@pytest.mark.parametrize("source", [
    'SEED = ROOT.parent / "beside" / "seeds" / "000.txt"',
    'SEED = Path(__file__).resolve().parents[2] / "beside"',
    'p = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "beside")',
    'p = Path(__file__).parent.parent.parent',
    'p = ROOT / ".." / "beside"',
    'p = Path("../beside/seeds")',
    'open(Path("../beside/notes/facts.md"))',
])
def test_python_paths_above_the_root_are_found(source):
    module = "ROOT = Path(__file__).resolve().parent.parent\n" + source + "\n"
    assert python_escapes("tests/test_x.py", module), source
    imported = "from conftest import ROOT\n" + source + "\n"      # the mistake as it was made
    assert python_escapes("tests/test_x.py", imported), source


@pytest.mark.parametrize("source", [
    'ROOT = Path(__file__).resolve().parent.parent',
    'FIXTURE = ROOT / "tests" / "fixtures" / "a.md"',
    'p = ROOT / "docs" / ".." / "snippets"',
    'HREF = "../../pages/batch-normalization/"',       # a link inside the built site, not a file
    'assert image["src"] == "../../assets/x.png"',
])
def test_paths_inside_the_root_and_urls_are_not_flagged(source):
    module = "ROOT = Path(__file__).resolve().parent.parent\n" + source + "\n"
    assert python_escapes("tests/test_x.py", module) == []


def test_text_paths_are_resolved_from_where_they_are_read():
    assert text_escapes("docs/pages/a.md", "![x](../assets/x.png)") == []
    assert text_escapes("docs/pages/a.md", "![x](../../../beside/x.png)") == \
        ["docs/pages/a.md:1: ../../../beside/x.png"]
    assert text_escapes("README.md", "images from `../assets/`") == []     # prose, not a link
    assert text_escapes("README.md", "[seed](../beside/seeds/x.txt)") == ["README.md:1: ../beside/seeds/x.txt"]
    assert text_escapes("Makefile", "\tcat ../beside/seeds/x.txt") == ["Makefile:1: ../beside/seeds/x.txt"]
    assert text_escapes(".github/workflows/site.yml", "run: ls ../beside") == \
        [".github/workflows/site.yml:1: ../beside"]


def test_private_absolute_paths_are_found_but_urls_are_not():
    assert private_absolute_paths("a.py", 'SEED = "/work/beside/seeds/x.txt"')
    assert private_absolute_paths("a.md", "see /home/being/graph/pages")
    assert private_absolute_paths("a.py", r'p = "C:\\Users\\being\\graph"')
    assert private_absolute_paths("a.md", "https://github.com/work/repo and ~/logseq-graph") == []


def test_ci_runs_the_test_command_in_a_fresh_clone_with_nothing_beside_it(tmp_path):
    """``.ci/run`` clones the checkout into an empty folder and runs ``make test`` there."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    record = tmp_path / "make-was-run.txt"
    make = fake_bin / "make"
    make.write_text('#!/bin/sh\n{ echo "$@"; pwd; ls -A ..; git rev-parse HEAD; } > "$KB_RECORD"\n',
                    encoding="utf-8")
    make.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}", "KB_RECORD": str(record),
           "TMPDIR": str(tmp_path)}
    subprocess.run(["bash", str(ROOT / ".ci" / "run")], cwd=tmp_path, env=env, check=True,
                   capture_output=True, text=True)
    target, where, beside, commit = record.read_text(encoding="utf-8").splitlines()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    assert target == "test"
    assert Path(where).resolve() != ROOT and not Path(where).resolve().is_relative_to(ROOT)
    assert beside == Path(where).name                   # the clone is alone in its folder
    assert commit == head
    assert not Path(where).exists()                     # and is removed afterwards
