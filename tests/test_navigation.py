"""Navigation bars and notebook maps are generated: they must match the notebooks they describe."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_navigation_and_maps_are_up_to_date():
    result = subprocess.run([sys.executable, "tools/navigation.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, f"run `python tools/navigation.py`:\n{result.stdout}{result.stderr}"


def test_every_notebook_declares_its_guide_section_and_minutes():
    sys.path.insert(0, str(ROOT / "tools"))
    import navigation

    for entry in map(navigation.describe, navigation.lab_notebooks()):
        assert entry["section"] and isinstance(entry["minutes"], int), entry["path"].name
