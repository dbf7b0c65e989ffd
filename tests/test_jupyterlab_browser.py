"""JupyterLab in a real browser: the widget notebooks run, every widget renders and answers.

Starts the project's own JupyterLab (token set, free local port, temporary HOME and settings, the
shipped jupyterlab-settings/ so no news pop-up) and drives Debian's chromium through Playwright.
Playwright's own browser download is not used: install chromium with the system's package manager,

    sudo apt-get install -y chromium        (Debian, Ubuntu: /usr/bin/chromium)

Outside CI a missing chromium skips this test with a loud warning; in CI (CI=true) it fails.
Notebook 15 is opened as a copy whose sandboxes are named test_browser_*, so this test never
collides with nbval running the same notebook on another worker. Screenshots go to test-artifacts/.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import nbformat
import pytest

from migration_lab.paths import PROJECT_ROOT, WORKSPACE, remove_inside_workspace

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SETTINGS = PROJECT_ROOT / "jupyterlab-settings"
TOKEN = "migration-lab-browser-test"
SANDBOX_PREFIX = "test_browser_13"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
INSTALL_HINT = ("install Debian's chromium: `sudo apt-get update && sudo apt-get install -y chromium` "
                "(the test looks for /usr/bin/chromium; Playwright's own browser download is not used)")


def find_chromium():
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = f"BROWSER TEST NOT RUN: no chromium found; {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message)
    warnings.warn(message)
    pytest.skip(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    return find_chromium()


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory, chromium):
    """The lab's JupyterLab on a free port, with a temporary HOME; yields its base URL."""
    home = tmp_path_factory.mktemp("jupyter-home")
    user_settings = home / "user-settings" / "@jupyterlab" / "notebook-extension"
    user_settings.mkdir(parents=True)
    # every cell in the page, so the test sees outputs of cells scrolled out of view
    (user_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), IPYTHONDIR=str(home / "ipython"),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    port = free_port()
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
               f"--ServerApp.root_dir={PROJECT_ROOT}", f"--LabApp.app_settings_dir={SETTINGS}",
               "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log = (home / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (home / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)  # the server shuts its kernels down
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def notebook_copy(source, name, replace=()):
    """A copy of a notebook (or a new one from cells) under test-artifacts/, its outputs cleared."""
    ARTIFACTS.mkdir(exist_ok=True)
    notebook = nbformat.read(source, as_version=4) if isinstance(source, Path) else source
    for cell in notebook.cells:
        for old, new in replace:
            cell.source = cell.source.replace(old, new)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    path = ARTIFACTS / name
    nbformat.write(notebook, path)
    return path.relative_to(PROJECT_ROOT).as_posix()


# --- driving JupyterLab --------------------------------------------------------------------------------
CURRENT = "window.jupyterapp && window.jupyterapp.shell.currentWidget"
KERNEL_IDLE = f"() => {{ const w = {CURRENT}; return !!(w && w.sessionContext && w.sessionContext.session " \
              "&& w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'); }"
ALL_RUN = f"""() => {{
    const w = {CURRENT};
    if (!w || !w.content) return false;
    const code = w.content.widgets.filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
    return code.length > 0 && code.every(c => c.model.executionCount !== null)
           && w.sessionContext.session.kernel.status === 'idle';
}}"""
ERRORS = f"""() => {{
    const problems = [];
    {CURRENT}.content.widgets.forEach((cell, index) => {{
        if (cell.model.type !== 'code') return;
        for (const output of cell.model.outputs.toJSON()) {{
            const text = [].concat(output.text || []).join('');
            if (output.output_type === 'error') problems.push(`cell ${{index}}: ${{output.ename}}: ${{output.evalue}}`);
            else if (/Traceback|LabError:/.test(text)) problems.push(`cell ${{index}}: ${{text.slice(0, 300)}}`);
        }}
    }});
    return problems;
}}"""
WIDGETS = f"""() => {{
    let displayed = 0;
    {CURRENT}.content.widgets.forEach(cell => {{
        if (cell.model.type !== 'code') return;
        for (const output of cell.model.outputs.toJSON())
            if (output.data && output.data['application/vnd.jupyter.widget-view+json']) displayed++;
    }});
    const areas = [...document.querySelectorAll('.jp-OutputArea-output')];
    return {{
        displayed,
        rendered: areas.filter(area => area.querySelector(':scope > .jupyter-widgets')).length,
        broken: areas.filter(area => /Loading widget|model not found|Error displaying widget/.test(area.textContent)).length,
        errorViews: document.querySelectorAll('.jupyter-widgets-error-widget').length,
    }};
}}"""


def open_and_run_all(page, url, path):
    """Open a notebook, wait for an idle kernel, run every cell, wait until all ran; returns the page."""
    page.goto(f"{url}/lab/tree/{path}?reset&token={TOKEN}")
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_RUN, timeout=300_000, polling=500)
    return page


def assert_every_widget_rendered(page, expected):
    """Each widget the kernel displayed is rendered: no 'Loading widget...', no 'model not found', no error view."""
    deadline = time.monotonic() + 60
    while True:
        state = page.evaluate(WIDGETS)
        settled = state["rendered"] == state["displayed"] and not state["broken"] and not state["errorViews"]
        if settled or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state == {"displayed": expected, "rendered": expected, "broken": 0, "errorViews": 0}


def cells_whose_saved_output_fails(path):
    """The cells whose committed output shows an error (where the error is the lesson): the same must fail live."""
    failing = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if output.get("output_type") == "error" or "Traceback" in text or "LabError:" in text:
                failing.append(index)
                break
    return failing


def assert_no_news_popup(page):
    assert page.get_by_text("official Jupyter news").count() == 0, "the news pop-up greets the learner"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


# --- the tests ---------------------------------------------------------------------------------------
def test_the_exercise_notebook_runs_and_its_widgets_render_and_answer(jupyterlab, page):
    path = notebook_copy(PROJECT_ROOT / "notebooks" / "15_exercises.ipynb", "browser_15_exercises.ipynb",
                         replace=[('"15_exercises"', f'"{SANDBOX_PREFIX}"')])
    try:
        open_and_run_all(page, jupyterlab, path)
        failed = sorted({int(problem.split(":")[0].removeprefix("cell ")) for problem in page.evaluate(ERRORS)})
        assert failed == cells_whose_saved_output_fails(PROJECT_ROOT / "notebooks" / "15_exercises.ipynb")
        assert_every_widget_rendered(page, expected=7)  # explorer, reviewer, five checkers

        explorer = page.locator(".lab-explorer-view").first
        explorer.scroll_into_view_if_needed()
        at_head = explorer.inner_text()
        assert "(head; your database is here)" in at_head and "progress" in at_head
        page.locator(".widget-button", has_text="previous").first.click()
        page.wait_for_function("() => document.querySelector('.lab-explorer-view').innerText.includes('[0] base')")
        at_base = explorer.inner_text()
        assert at_base != at_head and "progress" not in at_base and "8 columns" in at_base
        page.screenshot(path=str(ARTIFACTS / "jupyterlab_15_exercises.png"))

        checker = page.locator(".lab-checker-view").first
        assert "Not checked yet" in checker.inner_text()
        page.locator(".widget-button", has_text="Check my work").first.click()
        page.wait_for_function("() => document.querySelector('.lab-checker-view').innerText.includes('not done yet')")
        assert "✗ the database has no conversion_jobs.attempts column yet" in checker.inner_text()
        assert_no_news_popup(page)
    finally:
        for sandbox in WORKSPACE.glob(f"{SANDBOX_PREFIX}*"):
            remove_inside_workspace(sandbox)


def test_the_install_check_renders_and_the_kernel_answers(jupyterlab, page):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from migration_lab import widgets\nwidgets.install_check()"),
        nbformat.v4.new_code_cell("print(widgets.install_check_text())")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    open_and_run_all(page, jupyterlab, notebook_copy(notebook, "browser_install_check.ipynb"))
    assert page.evaluate(ERRORS) == []
    assert_every_widget_rendered(page, expected=1)
    page.locator(".widget-button", has_text="Check my work").click()
    page.wait_for_function("() => document.querySelector('.lab-install-echo').innerText.includes('1 click')")
    assert page.get_by_text("widget manager for JupyterLab: ok").count() == 1
    page.screenshot(path=str(ARTIFACTS / "jupyterlab_install_check.png"))
    assert_no_news_popup(page)
