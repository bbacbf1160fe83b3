"""Every ``IBML_*`` variable is read by a pydantic-settings class and listed once in README's Configuration table.

The code is scanned with ``ast`` (nothing is imported): a settings class is any class deriving from
``BaseSettings``; its variables are ``env_prefix`` + each annotated field. Any other ``IBML_*`` name
written in the package's source (help texts, docstrings, error messages) must be in the table too,
and every row of the table must be a variable some settings class reads.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "reference_impl"
NAME = re.compile(r"\bIBML_[A-Z][A-Z0-9_]*[A-Z0-9]\b")  # a name, not a prefix such as IBML_SPARK_*


def _settings_classes(tree: ast.Module) -> dict[str, set[str]]:
    """``{class name: {IBML_... variables}}`` for the BaseSettings subclasses defined in ``tree``."""
    out: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(isinstance(b, ast.Name) and b.id == "BaseSettings" for b in node.bases):
            continue
        prefix = ""
        fields = []
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config" for t in stmt.targets):
                for kw in getattr(stmt.value, "keywords", []):
                    if kw.arg == "env_prefix" and isinstance(kw.value, ast.Constant):
                        prefix = kw.value.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                fields.append(stmt.target.id)
                value = stmt.value
                if isinstance(value, ast.Call) and any(kw.arg in ("alias", "validation_alias") for kw in value.keywords):
                    raise AssertionError(f"{node.name}.{stmt.target.id}: use the field name, not an alias, so that "
                                         "the variable is always env_prefix + field name")
        assert prefix == "IBML_", f"settings class {node.name} must use env_prefix='IBML_', found {prefix!r}"
        out[node.name] = {(prefix + f).upper() for f in fields}
    return out


def _direct_env_reads(tree: ast.Module) -> list[str]:
    """``os.environ.get("IBML_X")``, ``os.getenv("IBML_X")`` and ``os.environ["IBML_X"]`` (reads only)."""
    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                key = node.args[0].value
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
              and ast.unparse(node.value) in ("os.environ", "environ") and isinstance(node.slice, ast.Constant)):
            key = node.slice.value
        if isinstance(key, str) and key.startswith("IBML_"):
            found.append(f"{key} (line {node.lineno})")
    return found


def scan_package(root: Path = PACKAGE) -> tuple[dict[str, set[str]], set[str], list[str]]:
    """(settings classes -> variables, every IBML_* name in the source, direct environment reads)."""
    classes: dict[str, set[str]] = {}
    mentioned: set[str] = set()
    direct: list[str] = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
        for name, variables in _settings_classes(tree).items():
            assert name not in classes, f"two settings classes named {name}"
            classes[name] = variables
        mentioned |= set(NAME.findall(text))
        direct += [f"{path.relative_to(root.parent)}: {hit}" for hit in _direct_env_reads(tree)]
    return classes, mentioned, direct


def readme_table(readme: Path = REPO / "README.md") -> dict[str, str]:
    """``{variable: "read by" cell}`` from the table in README's ``## Configuration`` section."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, flags=re.DOTALL | re.MULTILINE)
    assert match, "README.md has no '## Configuration' section"
    rows: dict[str, str] = {}
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 4 or not cells[0].startswith("`IBML_"):
            continue
        name = cells[0].strip("`")
        assert name not in rows, f"README lists {name} twice"
        rows[name] = cells[2]
    assert rows, "README's Configuration section has no table of IBML_ variables"
    return rows


def test_no_module_reads_an_ibml_variable_outside_a_settings_class():
    _, _, direct = scan_package()
    assert not direct, "read these through a pydantic-settings class instead: " + "; ".join(direct)


def test_readme_table_lists_exactly_the_variables_the_package_reads_or_mentions():
    classes, mentioned, _ = scan_package()
    read = set().union(*classes.values())
    table = readme_table()
    assert not (read | mentioned) - set(table), (
        f"add to README's Configuration table: {sorted((read | mentioned) - set(table))}")
    assert not set(table) - read, f"README lists variables no settings class reads: {sorted(set(table) - read)}"
    assert not mentioned - read, f"source mentions variables no settings class reads: {sorted(mentioned - read)}"


def test_readme_names_the_class_that_reads_each_variable():
    classes, _, _ = scan_package()
    table = readme_table()
    for cls, variables in classes.items():
        for var in variables:
            assert f"`{cls}`" in table[var], f"README row {var}: 'read by' should name {cls}"


def test_the_scan_catches_an_undocumented_variable_and_a_direct_read(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "mod.py").write_text(
        "import os\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "class S(BaseSettings):\n"
        "    model_config = SettingsConfigDict(env_prefix='IBML_')\n"
        "    new_knob: int = 1\n"
        "LEGACY = os.environ.get('IBML_LEGACY')\n")
    classes, mentioned, direct = scan_package(pkg)
    assert classes == {"S": {"IBML_NEW_KNOB"}}
    assert "IBML_LEGACY" in mentioned
    assert direct == ["pkg/mod.py: IBML_LEGACY (line 6)"]
    assert "IBML_NEW_KNOB" not in readme_table()
