"""The set-up files agree: pins, conda/Binder environment, CI calling the README's command."""
import re
from pathlib import Path

import yaml

from migration_lab.doctor import pinned_requirements

ROOT = Path(__file__).resolve().parent.parent
VERIFIED = {"Flask": "3.1.3", "Flask-SQLAlchemy": "3.1.1", "Flask-Migrate": "4.1.0", "alembic": "1.20.1",
            "SQLAlchemy": "2.1.9", "jupyterlab": "4.6.6", "ipywidgets": "8.1.9", "ipykernel": "7.4.0",
            "nbval": "0.11.0", "pytest": "9.2.0", "pytest-alembic": "0.13.1"}


def requirement_lines():
    lines = (l.split("#", 1)[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines())
    return [l for l in lines if l]


def test_every_requirement_is_pinned_exactly():
    for line in requirement_lines():
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", line), line


def test_the_verified_versions_are_the_pinned_ones():
    pins = pinned_requirements(ROOT / "requirements.txt")
    assert {name: pins.get(name) for name in VERIFIED} == VERIFIED


def test_environment_yml_installs_exactly_requirements_txt():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert "python=3.11" in conda
    assert pip_sections == [["-r requirements.txt"]]
    pinned_by_conda = {re.split(r"[=<>]", d)[0].lower() for d in conda} - {"python", "pip"}
    assert not pinned_by_conda & {name.lower() for name in pinned_requirements(ROOT / "requirements.txt")}


def test_python_version_agrees_with_pyproject():
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)
