"""``python -m migration_lab``: the trainer's commands. Parsing lives here; the work in the modules."""
import argparse
import json
import sys
from pathlib import Path

from . import doctor, review, workspace
from .errors import LabError, one_line
from .preflight import run_preflight
from .paths import REQUIREMENTS, relative_to_project
from .project import create_sample_project
from .render import text_table

GUIDE_PACKAGES = ("Flask", "Flask-SQLAlchemy", "Flask-Migrate")


def cmd_doctor(args):
    return 1 if doctor.report(doctor.run_checks()) else 0


def cmd_reset(args):
    if args.all:
        names = workspace.reset_all()
        print(f"removed {len(names)} sandboxes" + (f": {', '.join(names)}" if names else ""))
    else:
        sandbox = workspace.reset(Path(args.notebook).stem)
        print(f"removed {relative_to_project(sandbox.root)}/ (the notebook's first cell rebuilds it)")
    return 0


def cmd_status(args):
    boxes = workspace.sandboxes()
    if not boxes:
        print("no sandboxes yet: each notebook builds its own when its first code cell runs")
        return 0
    rows = [("sandbox", "checkpoint", "alembic revision", "rows")]
    for box in boxes:
        try:
            revision, count = ", ".join(box.current_heads()) or "-", str(box.count_rows())
        except Exception as error:  # a half-built or broken sandbox is reported, not fatal
            revision, count = f"unreadable ({type(error).__name__})", "-"
        rows.append((box.name, box.checkpoint or "-", revision, count))
    print(text_table(rows))
    return 0


def cmd_new(args):
    target = Path(args.directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise LabError(f"{target} exists and is not an empty folder: choose a new folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LabError(f"cannot create {target}: {error.strerror}; choose a folder you can write to") from None
    rows = create_sample_project(target).count_rows()
    pins = doctor.pinned_requirements(REQUIREMENTS)
    (target / "requirements.txt").write_text("".join(f"{n}=={pins[n]}\n" for n in GUIDE_PACKAGES))
    print(f"created {target}/ : WEB_SERVICE/, instance/jobs.db ({rows} rows), requirements.txt")
    print("follow the guide from section 2 in a terminal:")
    print(f"  cd {target}")
    print("  export FLASK_APP=WEB_SERVICE.app")
    print("  python -m flask db init --directory=WEB_SERVICE/migrations")
    return 0


def cmd_review(args):
    functions = ("upgrade", "downgrade") if args.downgrade else ("upgrade",)
    engine = None if args.engine == "any" else args.engine
    result = review.review_path(args.path, engine, functions)
    print(result.text())
    return 1 if result.flagged else 0


def cmd_preflight(args):
    try:
        report = run_preflight(app=args.app, directory=args.directory, database=args.database,
                               revision=args.revision, allow=tuple(args.allow_drop), round_trip=args.round_trip,
                               timings=not args.no_timings)
    except (LabError, OSError):
        raise
    except Exception as error:  # never a traceback: the one line that says what stopped it
        raise LabError(f"preflight stopped: {one_line(error)}") from None
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.text())
    return report.exit_code


def _preflight_parser(commands):
    preflight = commands.add_parser(
        "preflight", help="run the upgrade on a copy of the database first (exit 1 if data would be lost)",
        description="Copy the database (never writing to it), upgrade the copy one revision at a time, and report "
                    "what changed: schema, rows and values of every table and column that existed before, the "
                    "review of each script, flask db check. Exit 0: nothing lost; 1: data lost (not allowed), a "
                    "revision failed, models and migrations disagree, or the round trip fails; 2: bad input.")
    preflight.add_argument("revision", nargs="?", default="head", help="the target, as for flask db upgrade (head)")
    preflight.add_argument("--app", help="the app, as flask --app takes it (default: FLASK_APP, then app.py / wsgi.py)")
    preflight.add_argument("--directory", help="the migrations folder (default: the one given to Migrate(), "
                                               "Flask-Migrate's default being migrations)")
    preflight.add_argument("--database", help="a SQLAlchemy URL (SQLite or PostgreSQL) or a SQLite file "
                                              "(default: the app's own database)")
    preflight.add_argument("--allow-drop", action="append", default=[], metavar="TABLE[.COLUMN]",
                           help="a loss the migration intends (a dropped or rewritten column, a dropped table); "
                                "repeat for each")
    preflight.add_argument("--round-trip", action="store_true",
                           help="also downgrade to the starting revision and upgrade again, and compare")
    preflight.add_argument("--json", action="store_true", help="the report as JSON")
    preflight.add_argument("--no-timings", action="store_true",
                           help="leave out durations and the copy's size (they vary by machine), for outputs "
                                "that tests compare")
    preflight.set_defaults(run=cmd_preflight)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m migration_lab",
                                     description="Trainer tools for the Flask-Migrate lab.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("doctor", help="check Python, pinned packages, kernel and widgets").set_defaults(run=cmd_doctor)
    reset = commands.add_parser("reset", help="delete a notebook's sandbox (or --all)")
    which = reset.add_mutually_exclusive_group(required=True)
    which.add_argument("notebook", nargs="?", help="a notebook name, e.g. 04_generate or 04_generate.ipynb")
    which.add_argument("--all", action="store_true", help="every sandbox under workspace/")
    reset.set_defaults(run=cmd_reset)
    commands.add_parser("status", help="list sandboxes with their checkpoint and revision").set_defaults(run=cmd_status)
    new = commands.add_parser("new", help="a standalone copy of the guide's starting point, for a terminal")
    new.add_argument("directory", help="a new or empty folder")
    new.set_defaults(run=cmd_new)
    check = commands.add_parser("review", help="flag the risky operations of migration scripts (exit 1 if any)",
                                description="Review revision scripts as text, without running them: exit 0 when "
                                            "nothing is risky, 1 when something is, 2 when PATH cannot be read.")
    check.add_argument("path", help="a migrations folder (or its versions/), or one revision script")
    check.add_argument("--engine", choices=("postgresql", "any"), default="postgresql",
                       help="postgresql (default): data rules and PostgreSQL's rules (locks, enum types); "
                            "any: data rules only")
    check.add_argument("--downgrade", action="store_true", help="review downgrade() too")
    check.set_defaults(run=cmd_review)
    _preflight_parser(commands)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a folder that cannot be created or read: say which, never a traceback
        print(f"error: {error.strerror or error}"
              + (f": {error.filename}" if error.filename else ""), file=sys.stderr)
        return 2
