"""The lab quotes the guide verbatim: its copy is the team's guide, and notebook titles are its headings."""
import re
from pathlib import Path

import nbformat
import pytest

from migration_lab.checkpoints import STEPS
from migration_lab.model_edits import GUIDE_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "guide" / "flask-migrate-guide.fr.md"
SHARED = ROOT.parent / "shared" / "guide" / "flask-migrate-guide.fr.md"


def guide_headings():
    return {line.lstrip("#").strip() for line in GUIDE.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


@pytest.mark.skipif(not SHARED.exists(), reason="the team's shared/ folder is not beside this clone")
def test_the_lab_ships_the_teams_guide_unchanged():
    assert GUIDE.read_bytes() == SHARED.read_bytes()


def test_guide_section_notebooks_are_titled_with_the_guides_heading():
    headings = guide_headings()
    titled = 0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        title = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0]
        quoted = re.sub(r"^#\s*\d\d\s*·\s*", "", title)
        if re.match(r"^\S+ \d\. ", quoted):  # looks like a numbered guide heading: must be verbatim
            assert quoted in headings, f"{path.name}: {quoted!r} is not a heading of the guide"
            titled += 1
    assert titled >= 1


def test_the_steps_the_lab_replays_are_the_guide_s_verbatim():
    guide = GUIDE.read_text(encoding="utf-8")
    assert GUIDE_COLUMNS in guide
    commands = {" ".join(line.split()) for line in guide.splitlines()}  # the guide's "python -m  flask" too
    replayed = [line for _, lines, _ in STEPS for line in lines if line.startswith("python -m flask db")]
    assert len(replayed) == 3 and set(replayed) <= commands
