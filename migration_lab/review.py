"""Read a revision script as a reviewer does: every operation it runs, and the ones that can hurt.

The script is parsed as text (never imported or run): ``review_migration(path)`` lists the ``op.*`` and
``batch_op.*`` calls of ``upgrade()`` (or ``downgrade()``) in order, each with its table, its target
and its settings as written, and flags what breaks a rule of :mod:`migration_lab.review_rules`: lost
data, a NOT NULL that existing rows cannot meet, a rename; with ``engine="postgresql"``, also the
locks that stall traffic and an enum column whose type nothing created. ``review_path`` reviews a
whole migrations folder, as a team's CI runs ``python -m migration_lab review PATH`` (exit status 1
when something is flagged).

A team that has weighed a flagged operation says so on its line, as squawk's ``squawk-ignore`` or
strong_migrations' ``safety_assured`` do: ``# review: ok drop-column`` (rule names, comma-separated).
"""
import ast
import io
import tokenize
from dataclasses import dataclass, replace
from pathlib import Path

from . import review_history, review_rules, review_script
from .errors import LabError
from .review_facts import Facts
from .render import text_table


@dataclass(frozen=True)
class Operation:
    """One call in the script: ``batch_op.add_column(sa.Column('progress', ...))`` and what it risks."""

    line: int
    name: str           # add_column, drop_table, execute, ...
    table: str = None
    target: str = None  # the column, index or constraint it acts on
    details: str = ""   # the rest, as written in the script
    findings: tuple = ()  # Finding: each rule it breaks, with why and the safe way

    @property
    def risks(self):
        """What a reviewer must stop at, one line each (accepted findings left out)."""
        return tuple(f.message for f in self.findings if not f.accepted)

    @property
    def where(self):
        return ".".join(p for p in (self.table, self.target) if p) or "-"

    def text(self, width=0):
        lines = [f"line {self.line:<4} {self.name:<13} {self.where:<{width}}  {self.details}".rstrip()]
        lines += [f"          ! {risk}" for risk in self.risks]
        lines += [f"          ~ accepted ({f.rule}): {f.message}" for f in self.findings if f.accepted]
        return "\n".join(lines)


@dataclass(frozen=True)
class Review:
    """The operations of one function of a revision script."""

    script: str
    function: str
    operations: tuple
    engine: str = None  # None: the rules of every engine; "postgresql": its lock rules too

    @property
    def flagged(self):
        return tuple(op for op in self.operations if op.risks)

    def text(self):
        head = (f"{self.function}() of {self.script}: {len(self.operations)} operation(s), "
                f"{len(self.flagged)} flagged")
        width = max((len(op.where) for op in self.operations), default=0)
        return "\n".join([head] + [op.text(width) for op in self.operations])

    def report(self):
        """The flagged operations only, each risk with the safe way and the rule it follows (the CLI's view)."""
        lines = []
        for op in self.flagged:
            lines.append(f"  line {op.line}: {op.name} {op.where}".rstrip())
            for finding in (f for f in op.findings if not f.accepted):
                lines += [f"    ! {finding.message}", f"      safe way: {finding.safe_way}",
                          f"      rule: {finding.rule} ({finding.source})"]
        return "\n".join(lines)

    __str__ = text

    def __repr__(self):
        return self.text()


def review_migration(script, function="upgrade", engine=None):
    """Review ``upgrade()`` (or ``downgrade()``) of a revision script.

    ``script`` is a path, an Alembic Script, or the text of a script (text has line breaks; a path has
    none). ``engine="postgresql"`` adds PostgreSQL's rules (locks, enum types). A script inside a migrations
    folder is read with its history: a CHECK validated by an earlier revision, an enum type an earlier
    revision created, a ``lock_timeout`` set in ``env.py``.
    """
    if engine not in (None, *review_rules.ENGINES):
        raise LabError(f"unknown engine {engine!r}: use None (every engine) or 'postgresql'")
    if isinstance(script, str) and "\n" in script:
        return _review_source(script, function, "<script>", Facts(), engine)
    path = Path(getattr(script, "path", script))
    if not path.is_file():
        raise LabError(f"no migration script at {path.name}: generate one first with `flask db migrate` (notebook 04)")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LabError(f"{path.name} is not Python source: is it a revision script?") from None
    return _review_source(source, function, path.name, review_history.history_facts(path), engine)


def _review_source(source, function, name, facts, engine):
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError) as error:  # ValueError: null bytes, on some Python versions
        if getattr(error, "lineno", None) is None:
            raise LabError(f"{name} is not Python source: is it a revision script?") from None
        raise LabError(f"{name} is not valid Python (line {error.lineno}: {error.msg}): "
                       "fix the edit, or regenerate the script") from None
    body = review_script.function_node(module, function)
    if body is None:
        raise LabError(f"{name} has no {function}() function: is it a revision script?")
    accepted = _accepted_rules(source)
    operations = []
    for call in review_script.read_calls(body):
        found = []
        ok = set().union(*(accepted.get(n, set()) for n in range(call.line, call.end_line + 1)))
        for change in call.changes:
            facts.before(change)
            broken = review_rules.findings(change, facts, engine)
            facts.record(change, {f.rule for f in broken})
            found += [replace(f, accepted=f.rule in ok or "all" in ok) for f in broken]
        operations.append(Operation(call.line, call.name, call.table, call.target, call.details, tuple(found)))
    return Review(name, function, tuple(operations), engine)


def _accepted_rules(source):
    """{line: rule names} from ``# review: ok rule-a, rule-b`` comments (``# review: ok`` alone: every rule)."""
    accepted = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text = token.string.lstrip("#").strip()
            if token.type == tokenize.COMMENT and text.startswith("review: ok"):
                names = {n.strip() for n in text.removeprefix("review: ok").split(",") if n.strip()}
                accepted[token.start[0]] = names or {"all"}
    except (tokenize.TokenError, IndentationError):
        pass  # ast.parse reports the syntax error
    return accepted


# --- a whole migrations folder: what CI runs --------------------------------------------------------------
@dataclass(frozen=True)
class FolderReview:
    """The reviews of every script of a folder (or of one script), in history order."""

    reviews: tuple
    engine: str

    @property
    def flagged(self):
        return tuple(op for review in self.reviews for op in review.flagged)

    def text(self):
        rules = "PostgreSQL's lock rules included" if self.engine == review_rules.POSTGRESQL else "every engine's rules"
        lines = []
        for review in self.reviews:
            verdict = f"{len(review.flagged)} risky operation(s)" if review.flagged else "ok"
            lines.append(f"{review.script} {review.function}(): {verdict}")
            if review.flagged:
                lines.append(review.report())
        scripts = len({r.script for r in self.reviews})
        risky = len({r.script for r in self.reviews if r.flagged})
        lines.append(f"{scripts} script(s) reviewed ({rules}): {len(self.flagged)} risky operation(s) "
                     f"in {risky} script(s)")
        return "\n".join(lines)

    __str__ = text


def review_path(path, engine=review_rules.POSTGRESQL, functions=("upgrade",)):
    """Review every revision script of a migrations folder (or its ``versions/``), or one script."""
    path = Path(path)
    if not path.exists():
        raise LabError(f"no such file or folder: {path}")
    if path.is_dir():
        folder = path / "versions" if (path / "versions").is_dir() else path
        scripts = _in_history_order(folder)
        if not scripts:
            raise LabError(f"no revision script in {path} (a .py file with `revision = ...` and an upgrade())")
    else:
        scripts = [path]
    reviews = [review_migration(script, function, engine) for script in scripts for function in functions]
    shown = {script.name: _shown(script) for script in scripts}
    return FolderReview(tuple(Review(shown[r.script], r.function, r.operations, r.engine) for r in reviews), engine)


def _in_history_order(folder):
    """The revision scripts of ``folder``, each after the revisions it follows (base first)."""
    scripts = {}
    for path in sorted(folder.glob("*.py")):
        if review_history.parsed(path) is None:
            review_migration(path)  # raises the LabError that says what is wrong with it
        ids = review_history.revision_ids(path)
        if ids:
            scripts[ids[0]] = (path, ids[1])
    order = review_history.ancestors(sorted(scripts), scripts)
    return [scripts[revision][0] for revision in order]


def _shown(path):
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def rules_table():
    """Every rule: its name, the engine it holds on, and its source (strong_migrations, squawk, Alembic)."""
    return text_table([("rule", "engine", "source")] +
                      [(r.name, r.engine, r.source) for r in review_rules.RULES.values()])
