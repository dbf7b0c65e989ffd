"""The guide's steps, in order, replayed in process to bring a project to where a notebook starts.

Each step is what the learner did in an earlier notebook, done with the same Flask-Migrate
function the CLI calls (see :mod:`migration_lab.inprocess`), so the result is the same files and
the same database, in milliseconds. ``COMMANDS`` says each step as the learner typed it.
"""
from .errors import LabError

GUIDE_MESSAGE = "Ajout des colonnes de suivi pour les jobs"
DIRECTORY = "--directory=WEB_SERVICE/migrations"


# (checkpoint, what replaying it does as the learner typed it, the step), each applied to the previous state.
STEPS = (
    ("created", "db.create_all() made instance/jobs.db, seeded from data/; no migrations yet", None),
    ("initialized", f"python -m flask db init {DIRECTORY}", lambda project: project.flask_db("init")),
    ("edited", "the guide's four columns added to ConversionJobModel", lambda project: project.add_model_columns()),
    ("generated", f'python -m flask db migrate -m "{GUIDE_MESSAGE}" {DIRECTORY}',
     lambda project: project.flask_db("migrate", message=GUIDE_MESSAGE)),
    ("upgraded", f"python -m flask db upgrade {DIRECTORY}", lambda project: project.flask_db("upgrade")),
)
NAMES = tuple(name for name, _, _ in STEPS)


def steps_until(checkpoint):
    """The (name, description, step) entries to replay to reach ``checkpoint``, in order."""
    if checkpoint not in NAMES:
        raise LabError(f"unknown checkpoint {checkpoint!r}; the checkpoints are: {', '.join(NAMES)}")
    return STEPS[1:NAMES.index(checkpoint) + 1]


def replay(project, checkpoint):
    """Apply every step up to ``checkpoint`` to ``project``; returns the descriptions of the steps replayed."""
    done = []
    for _, description, step in steps_until(checkpoint):
        step(project)
        done.append(description)
    return done
