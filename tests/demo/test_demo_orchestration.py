"""The demo is the top floor: it runs every app's demo module, in order, and no app imports it."""

import ast
import importlib.util
from pathlib import Path

from django.apps import apps
from django.conf import settings

from demo.management.commands.load_demo_data import DEMO_MODULES


def test_load_demo_data_runs_every_apps_demo_module_once_members_first():
    project = Path(settings.BASE_DIR).resolve()
    with_demo = [
        f"{config.name}.demo"
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(project)
        and config.name != "demo"
        and importlib.util.find_spec(f"{config.name}.demo") is not None
    ]
    assert len(DEMO_MODULES) == len(set(DEMO_MODULES))
    assert set(with_demo) <= set(DEMO_MODULES), "an app's demo module is not in DEMO_MODULES"
    assert DEMO_MODULES[0] == "learning.members.demo"
    order = [name.split(".")[-2] for name in DEMO_MODULES if name.endswith(".demo")]
    assert order == [
        "members",
        "courses",
        "hours",
        "exams",
        "plans",
        "seminars",
        "evaluations",
        "certificates",
        "reviews",
    ]
    # The archive files are imported after the section they go into, before anything reads them.
    assert (
        DEMO_MODULES.index("courses.demo")
        < DEMO_MODULES.index("demo.materials")
        < DEMO_MODULES.index("learning.hours.demo")
    )


def test_no_app_imports_the_demo():
    project = Path(settings.BASE_DIR).resolve()
    offenders = []
    for path in project.rglob("*.py"):
        relative = path.relative_to(project)
        if relative.parts[0] in {"demo", "tests", "bench", ".venv", "var"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(name == "demo" or name.startswith("demo.") for name in names):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []
