"""The lab's interactive parts: a schema explorer, a migration reviewer, exercise checkers, an install check.

Every widget has a plain-text twin, ``.text()``, with the same facts: a notebook displays the widget
and prints ``.text()`` in a cell that nbval checks. A widget's own text/plain form is one stable line
(its class and what it shows), never the state of its controls.
"""
import ast
import html
from importlib import metadata
from pathlib import Path

import ipywidgets as w

from . import doctor, exercises, timeline
from .errors import LabError
from .review import review_migration

COLORS = {"+": "#1a7f37", "-": "#cf222e", "~": "#9a6700"}
RISK_BACKGROUND = "#ffe3e3"
OPERATION_BACKGROUND = "#eef4ff"


class LabWidget(w.VBox):
    """A VBox whose text/plain form is one stable line (ipywidgets would list every trait)."""

    def summary(self):
        return type(self).__name__

    def __repr__(self):
        return self.summary()


def _pre(lines):
    """Lines in a <pre>, each diff line coloured by its sign (+ added, - removed, ~ changed)."""
    def colour(line):
        sign = line.strip()[:1]
        escaped = html.escape(line)
        return f'<span style="color:{COLORS[sign]}">{escaped}</span>' if sign in COLORS else escaped

    return "<pre style='margin:0.3em 0'>" + "\n".join(colour(line) for line in lines) + "</pre>"


# --- schema explorer ----------------------------------------------------------------------------
class SchemaExplorer(LabWidget):
    """Step through a sandbox's revisions: the schema at each one and what changed from the previous."""

    def __init__(self, states_timeline):
        self.timeline = states_timeline
        self.last = len(states_timeline.states) - 1
        self.picker = w.Dropdown(options=[(s.label, i) for i, s in enumerate(states_timeline.states)],
                                 description="revision", layout=w.Layout(width="max-content"))
        self.previous = w.Button(description="previous", icon="arrow-left", tooltip="the revision before")
        self.next = w.Button(description="next", icon="arrow-right", tooltip="the revision after")
        self.view = w.HTML()
        self.view.add_class("lab-explorer-view")
        self.previous.on_click(lambda _: self.step(-1))
        self.next.on_click(lambda _: self.step(+1))
        self.picker.observe(lambda _: self._show(), names="value")
        title = w.HTML(f"<b>Schema explorer</b>: {html.escape(states_timeline.name)}, base built from "
                       f"{html.escape(states_timeline.origin)} (your own database is never touched)")
        super().__init__([title, w.HBox([self.previous, self.picker, self.next]), self.view])
        current = [i for i, s in enumerate(states_timeline.states) if s.is_current]
        self.picker.value = current[0] if current else self.last
        self._show()

    def step(self, delta):
        """Move to the revision ``delta`` steps later (negative: earlier), within the history."""
        self.picker.value = max(0, min(self.last, self.picker.value + delta))

    def _show(self):
        index = self.picker.value
        self.previous.disabled, self.next.disabled = index == 0, index == self.last
        state = self.timeline.states[index]
        table = state.schema._repr_html_() if state.schema is not None else ""
        self.view.value = _pre(self.timeline.describe(index)) + table

    def text(self):
        return self.timeline.text()

    def summary(self):
        return f"SchemaExplorer({self.timeline.name}: {len(self.timeline.states)} states, base to head)"


def schema_explorer(project, start="database"):
    """The explorer of a sandbox's history, each state built on a throwaway copy (see timeline.build)."""
    return SchemaExplorer(timeline.build(project, start))


# --- migration reviewer ---------------------------------------------------------------------------
def _function_lines(source, name):
    """(first, last) line numbers of a top-level function of a script."""
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return node.lineno, node.end_lineno


class MigrationReviewer(LabWidget):
    """A revision script as a reviewer reads it: every operation marked, the risky ones in red with why."""

    FUNCTIONS = ("upgrade", "downgrade")

    def __init__(self, path, engine=None):
        self.path = Path(getattr(path, "path", path))
        self.reviews = {name: review_migration(self.path, name, engine) for name in self.FUNCTIONS}
        self.source = self.path.read_text(encoding="utf-8")
        self.choice = w.ToggleButtons(options=[f"{name}()" for name in self.FUNCTIONS])
        self.view = w.HTML()
        self.view.add_class("lab-reviewer-view")
        self.choice.observe(lambda _: self._show(), names="value")
        super().__init__([w.HTML(f"<b>Migration review</b>: {html.escape(self.path.name)}"), self.choice, self.view])
        self._show()

    def _show(self):
        name = self.choice.value.rstrip("()")
        self.view.value = self.render(name)

    def render(self, name):
        """HTML: the summary, then the function's lines, operations shaded, risky ones red with their risks."""
        result = self.reviews[name]
        operations = {op.line: op for op in result.operations}
        first, last = _function_lines(self.source, name)
        lines = self.source.splitlines()
        rows = []
        for number in range(first, last + 1):
            op = operations.get(number)
            code = html.escape(lines[number - 1])
            background = RISK_BACKGROUND if op and op.risks else OPERATION_BACKGROUND if op else "transparent"
            notes = "".join(f"<div style='color:{COLORS['-']}' title='{html.escape(f.rule)}: {html.escape(f.source)}'>"
                            f"&#9888; {html.escape(f.message)}<br><span style='color:#555'>safe way: "
                            f"{html.escape(f.safe_way)}</span></div>"
                            for f in (op.findings if op else ()) if not f.accepted)
            rows.append(f"<div style='background:{background};white-space:pre;font-family:monospace'>"
                        f"<span style='color:#888'>{number:4} </span>{code}{notes}</div>")
        head = (f"<p>{name}(): {len(result.operations)} operation(s), "
                f"<b style='color:{COLORS['-'] if result.flagged else COLORS['+']}'>{len(result.flagged)} flagged</b></p>")
        return head + "".join(rows)

    def text(self):
        return "\n".join(self.reviews[name].text() for name in self.FUNCTIONS)

    def summary(self):
        counts = ", ".join(f"{name}: {len(self.reviews[name].flagged)} flagged" for name in self.FUNCTIONS)
        return f"MigrationReviewer({counts})"


def migration_reviewer(script, engine=None):
    """The reviewer of one revision script (a path such as sandbox.newest_migration(), or an Alembic Script).

    ``engine="postgresql"`` adds PostgreSQL's rules (locks, enum types): the same rules as
    ``python -m migration_lab review``.
    """
    return MigrationReviewer(script, engine)


# --- exercise checker -----------------------------------------------------------------------------
def _result_html(result):
    colour = COLORS["+"] if result.passed else COLORS["~"]
    return f"<div style='border-left:4px solid {colour};padding-left:0.6em'>{_pre(result.text().splitlines())}</div>"


class ExerciseChecker(LabWidget):
    """A button that checks the learner's sandbox for real and says what holds and what is missing;
    a second button shows the next hint (the same hints, in the same order, as ``exercises.hint``)."""

    def __init__(self, sandbox):
        self.sandbox, self.exercise = sandbox, exercises.exercise(exercises.slug_of(sandbox))
        self.check = exercises.check
        self.button = w.Button(description="Check my work", icon="check", button_style="primary")
        self.button.on_click(lambda _: self.run())
        self.hint_button = w.Button(description="Show a hint", icon="lightbulb-o")
        self.hint_button.on_click(lambda _: self.show_hint())
        self.view = w.HTML("<i>Not checked yet: click the button when you think you are done.</i>")
        self.view.add_class("lab-checker-view")
        self.hint_view = w.HTML()
        self.hint_view.add_class("lab-checker-hint")
        self.result = None
        title = (self.exercise.check.__doc__ or self.exercise.title).strip().splitlines()[0]
        super().__init__([w.HTML(f"<b>{html.escape(title)}</b>"), w.HBox([self.button, self.hint_button]),
                          self.view, self.hint_view])

    def run(self):
        """Check now and show the verdict (a failure to check is shown too, never lost in a log)."""
        self.button.disabled = True
        try:
            self.result = self.check(self.sandbox)
            self.view.value = _result_html(self.result)
        except LabError as error:
            self.view.value = f"<pre>{html.escape(str(error))}</pre>"
        except Exception as error:  # a click handler's exception would only reach the kernel log
            self.view.value = f"<pre>the check itself failed: {html.escape(type(error).__name__)}: {html.escape(str(error))}</pre>"
        finally:
            self.button.disabled = False
        return self.result

    def show_hint(self):
        """Show the next hint under the verdict; the last one stays once reached."""
        try:
            level, total, text = exercises.next_hint(self.sandbox)
        except LabError as error:
            self.hint_view.value = f"<pre>{html.escape(str(error))}</pre>"
            return
        self.hint_view.value = (f"<div style='border-left:4px solid {COLORS['~']};padding-left:0.6em'>"
                                f"<b>Hint {level} of {total}</b>: {html.escape(text)}</div>")
        self.hint_button.disabled = level == total

    def text(self):
        return str(self.check(self.sandbox))

    def summary(self):
        return f"ExerciseChecker({self.exercise.slug} on {self.sandbox.name})"


def exercise_checker(sandbox):
    """"Check my work" and "Show a hint" for the exercise ``sandbox`` was started for (exercises.start)."""
    return ExerciseChecker(sandbox)


# --- install check --------------------------------------------------------------------------------
class InstallCheck(LabWidget):
    """One control of each kind the lab uses; each answers through the kernel when touched."""

    def __init__(self):
        self.echo = w.HTML("<i>Move the slider, pick a revision, click the button: this line answers.</i>")
        self.echo.add_class("lab-install-echo")
        self.slider = w.IntSlider(value=4, min=0, max=12, description="columns")
        self.picker = w.Dropdown(options=["base", "guide revision", "head"], value="base", description="revision")
        self.button = w.Button(description="Check my work", icon="check", button_style="primary")
        self.clicks = 0
        self.slider.observe(lambda change: self._answer(f"the kernel saw the slider at {change['new']}"), names="value")
        self.picker.observe(lambda change: self._answer(f"the kernel saw revision '{change['new']}'"), names="value")
        self.button.on_click(lambda _: self._click())
        sample = w.HTML(_pre(["+ conversion_jobs.progress  INTEGER NULL", "- conversion_jobs.message  TEXT NULL",
                              "~ conversion_jobs.status  VARCHAR(20) NULL  ->  VARCHAR(20) NOT NULL"]))
        super().__init__([w.HTML("<b>Widget check</b>: if you see a slider, a drop-down, a button and coloured "
                                 "lines, and the last line answers when you touch them, the room is ready."),
                          self.slider, self.picker, self.button, sample, self.echo])

    def _answer(self, message):
        self.echo.value = html.escape(message)

    def _click(self):
        self.clicks += 1
        self._answer(f"the kernel saw {self.clicks} click{'s' if self.clicks > 1 else ''}")

    def text(self):
        return install_check_text()

    def summary(self):
        return "InstallCheck(slider, drop-down, button, coloured lines)"


def install_check_text():
    """The facts behind the widgets: the kernel's ipywidgets and JupyterLab's widget manager."""
    extension = doctor.check_widgets()
    return "\n".join([f"ipywidgets {metadata.version('ipywidgets')} in this kernel",
                      f"widget manager for JupyterLab: {'ok' if extension.ok else 'MISSING'}, {extension.detail}"
                      + (f"; fix: {extension.fix}" if extension.fix else "")])


def install_check():
    """The widget check for notebook 00: display it, and print ``.text()`` for the facts."""
    return InstallCheck()
