"""The package mirrors the rule files: each rule's script calls the package folder of the
stage its rule file is named after, and no module imports a command or a rule script."""

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "workflow" / "rules"
PACKAGE = REPO / "workflow" / "scripts" / "mediagen"
STAGE_FILES = sorted(p for p in RULES.glob("*.smk") if p.stem != "common")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.module for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}


@pytest.mark.parametrize("rule_file", STAGE_FILES, ids=lambda p: p.stem)
def test_rule_scripts_call_their_stage_folder(rule_file):
    assert (PACKAGE / rule_file.stem / "__init__.py").is_file(), \
        f"no package folder mediagen/{rule_file.stem}/ for {rule_file.name}"
    text = rule_file.read_text()
    scripts = re.findall(r'script:\s*\n\s*"\.\./scripts/([\w.]+)"', text)
    # run: jobs (the per-genome ones, in Snakemake's process) import their job directly
    run_imports = re.findall(r"run:\s*\n\s*from (mediagen\.[\w.]+) import", text)
    assert scripts or run_imports, f"{rule_file.name} runs no script and no job"
    for script in scripts:
        modules = imported_modules(REPO / "workflow" / "scripts" / script)
        assert any(m.startswith(f"mediagen.{rule_file.stem}.") for m in modules), \
            f"{script} (rule file {rule_file.name}) calls nothing in mediagen/{rule_file.stem}/"
    for module in run_imports:
        assert module.startswith(f"mediagen.{rule_file.stem}."), \
            f"a run: job of {rule_file.name} calls {module}, not mediagen/{rule_file.stem}/"


def package_imports(module: Path) -> set[str]:
    """Package modules ``module`` imports, anywhere in it (function bodies too)."""
    name = ".".join(module.relative_to(PACKAGE.parent).with_suffix("").parts)
    here = name.split(".")[:-1] if module.name != "__init__.py" else name.split(".")
    here = here[:-1] if module.name == "__init__.py" else here
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = here[: len(here) - node.level + 1] if node.level else []
        target = ".".join([*base, *(node.module.split(".") if node.module else [])])
        for alias in node.names:  # "from . import kernels" names a module
            candidate = f"{target}.{alias.name}"
            found.add(candidate if (PACKAGE.parent / (candidate.replace(".", "/") + ".py"))
                      .is_file() else target)
    return {m.removesuffix(".__init__") for m in found if m.startswith("mediagen")}


def test_package_has_no_import_cycle():
    graph = {}
    for module in PACKAGE.rglob("*.py"):
        name = ".".join(module.relative_to(PACKAGE.parent).with_suffix("").parts)
        graph[name.removesuffix(".__init__")] = package_imports(module)
    state = {}

    def visit(node, path):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: " + " -> ".join([*path, node])
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        state[node] = "done"

    for node in sorted(graph):
        visit(node, [])
