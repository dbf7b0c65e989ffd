"""Navigation bars and notebook maps are generated: they must match the notebooks they describe."""
import subprocess
import sys

from migration_lab.paths import PROJECT_ROOT
from tools import navigation


def test_navigation_and_maps_are_up_to_date():
    result = subprocess.run([sys.executable, "-m", "tools.navigation", "--check"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, f"run `python -m tools.navigation`:\n{result.stdout}{result.stderr}"


def test_every_notebook_declares_its_guide_section_and_minutes():
    for entry in map(navigation.describe, navigation.lab_notebooks()):
        assert entry["section"] and isinstance(entry["minutes"], int), entry["path"].name
