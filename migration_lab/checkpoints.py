"""The guide's steps, in order, replayed in process to bring a sandbox to where a notebook starts."""
from . import model_edits, script_edits
from .errors import LabError
from .inprocess import flask_db

GUIDE_MESSAGE = "Ajout des colonnes de suivi pour les jobs"
SERVER_DEFAULT_MESSAGE = "progress: server default 0 and backfill"


def _init(root):
    flask_db(root, "init")


def _edit(root):
    model_edits.add_columns(root)


def _generate(root):
    flask_db(root, "migrate", message=GUIDE_MESSAGE)


def _upgrade(root):
    flask_db(root, "upgrade")


def _default_progress(root):
    """Notebook 06's second migration: server default '0' on progress, old rows backfilled."""
    from .workspace import Sandbox  # workspace imports this module

    model_edits.replace_line(root, script_edits.PROGRESS_LINE, script_edits.PROGRESS_WITH_SERVER_DEFAULT)
    flask_db(root, "revision", message=SERVER_DEFAULT_MESSAGE)
    script_edits.write_progress_backfill(Sandbox(root.name, root.parent).newest_migration())
    flask_db(root, "upgrade")


# (checkpoint name, what replaying it does, the step), each step applied to the previous state.
STEPS = (
    ("created", "the app's database made by create_all() and seeded; no migrations yet", None),
    ("initialized", "flask db init --directory=WEB_SERVICE/migrations", _init),
    ("edited", "the guide's four columns added to ConversionJobModel", _edit),
    ("generated", f'flask db migrate -m "{GUIDE_MESSAGE}"', _generate),
    ("upgraded", "flask db upgrade", _upgrade),
    ("defaulted", f'flask db revision -m "{SERVER_DEFAULT_MESSAGE}", filled by hand; flask db upgrade',
     _default_progress),
)
NAMES = tuple(name for name, _, _ in STEPS)


def steps_until(checkpoint):
    """The (name, description, step) entries to replay to reach ``checkpoint``, in order."""
    if checkpoint not in NAMES:
        raise LabError(f"unknown checkpoint {checkpoint!r}; the checkpoints are: {', '.join(NAMES)}")
    return STEPS[1:NAMES.index(checkpoint) + 1]


def replay(root, checkpoint):
    """Apply every step up to ``checkpoint``; returns the descriptions of the steps replayed."""
    done = []
    for _, description, step in steps_until(checkpoint):
        step(root)
        done.append(description)
    return done
