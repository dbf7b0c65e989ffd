"""Links between and inside notebooks land on something: a notebook that exists, an anchor that exists in it.

An anchor is an explicit ``<a id="..."></a>`` (what the troubleshooting table links to, stable when a heading's
words change) or a heading's own id, as JupyterLab makes it (the heading's text, spaces as ``-``).
"""
import re
from pathlib import Path

import nbformat
import pytest

from migration_lab.paths import NOTEBOOKS

NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
LINK = re.compile(r"\]\((?P<file>[0-9][0-9]_[\w.-]+\.ipynb)?#(?P<anchor>[^)\s]+)\)")
EXPLICIT = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", flags=re.MULTILINE)


def heading_id(text):
    """The id JupyterLab gives a heading: its rendered text (no backticks, no link targets), spaces as '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return text.replace("`", "").replace("**", "").strip().replace(" ", "-")


def markdown_of(path):
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]


def anchors(sources):
    found = set()
    for source in sources:
        found.update(EXPLICIT.findall(source))
        found.update(heading_id(h) for h in HEADING.findall(source))
    return found


def broken_links(path, notebooks):
    """Each link of ``path`` whose notebook or anchor does not exist, as 'file#anchor'."""
    broken = []
    for source in markdown_of(path):
        for link in LINK.finditer(source):
            target = link["file"] or path.name
            if target not in notebooks or link["anchor"] not in notebooks[target]:
                broken.append(f"{target}#{link['anchor']}")
    return broken


@pytest.fixture(scope="module")
def notebooks():
    return {path.name: anchors(markdown_of(path)) for path in NOTEBOOK_PATHS}


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda path: path.stem)
def test_every_anchor_link_lands(path, notebooks):
    assert broken_links(path, notebooks) == []


def test_the_check_finds_a_missing_anchor_a_missing_notebook_and_accepts_both_kinds(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell('<a id="fk"></a>\n## 1. `No such command \'db\'`'),
                      nbformat.v4.new_markdown_cell("[a](#fk) [b](#1.-No-such-command-'db') [c](#fks) "
                                                    "[d](99_none.ipynb#x) [e](10_t.ipynb#fk) [f](https://x.org/#y)")]
    path = tmp_path / "10_t.ipynb"
    nbformat.write(notebook, path)
    assert broken_links(path, {"10_t.ipynb": anchors(markdown_of(path))}) == ["10_t.ipynb#fks", "99_none.ipynb#x"]
