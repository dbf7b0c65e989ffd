"""The guide's steps, in order, replayed in process to bring a project to where a notebook starts.

Each step is what the learner did in an earlier notebook, done with the same Flask-Migrate
function the CLI calls (see :mod:`migration_lab.inprocess`), so the result is the same files and
the same database, in milliseconds. Each step is described as the learner did it (the command typed).
"""
from .errors import LabError
from .migrations_config import quiet_plugin_logs

GUIDE_MESSAGE = "Ajout des colonnes de suivi pour les jobs"
DIRECTORY = "--directory=WEB_SERVICE/migrations"


def _init(project):
    project.flask_db("init")
    quiet_plugin_logs(project.root)


# (checkpoint, what replaying it does, as the learner did it, the step), each applied to the previous state.
STEPS = (
    ("created", ("db.create_all() made instance/jobs.db, seeded from data/",), None),
    ("initialized", (f"python -m flask db init {DIRECTORY}",
                     "alembic.ini: the autogenerate plugin logger at WARN (notebook 02)"), _init),
    ("edited", ("the guide's four columns added to ConversionJobModel",), lambda project: project.add_model_columns()),
    ("generated", (f'python -m flask db migrate -m "{GUIDE_MESSAGE}" {DIRECTORY}',),
     lambda project: project.flask_db("migrate", message=GUIDE_MESSAGE)),
    ("upgraded", (f"python -m flask db upgrade {DIRECTORY}",), lambda project: project.flask_db("upgrade")),
)
NAMES = tuple(name for name, _, _ in STEPS)


def steps_until(checkpoint):
    """The (name, description, step) entries to replay to reach ``checkpoint``, in order."""
    if checkpoint not in NAMES:
        raise LabError(f"unknown checkpoint {checkpoint!r}; the checkpoints are: {', '.join(NAMES)}")
    return STEPS[1:NAMES.index(checkpoint) + 1]


def replay(project, checkpoint):
    """Apply every step up to ``checkpoint`` to ``project``; returns what was done, a line per action."""
    done = []
    for _, lines, step in steps_until(checkpoint):
        step(project)
        done += lines
    return done
