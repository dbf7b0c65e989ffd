"""Exercise 3 · two developers' revisions follow the same parent: merge the two heads."""
from .. import revisions
from ..recommended import write_revision
from ..review import review_migration
from ..sources import lab_file
from .checks import (Checklist, Exercise, at_checkpoint, at_head, consistent, guide_revision, history_shape,
                     round_trip, rows_kept, same_as_solution)

TITLE = "Exercise 3 · Two heads: merge them"
HINTS = (
    "`flask db upgrade` goes to *the* head; with two heads it refuses. A merge revision follows both heads and "
    "joins them into one; it changes nothing in the schema by itself.",
    "`flask db merge` needs the revisions to merge as arguments: read `!python -m flask db merge --help`. "
    "Without them it merges nothing. `flask db heads` lists the heads.",
    "`!python -m flask db merge -m \"merge\" heads --directory=WEB_SERVICE/migrations`, then `flask db upgrade`. "
    "Ran `flask db merge -m \"...\"` without revisions already? It wrote a new first revision: delete that file.",
)
ALICE, BRUNO = "alice_priority", "bruno_created_index"
CREATED_AT = "created_at = db.Column(db.DateTime, nullable=False, default=utcnow)"


def prepare(sandbox):
    """Alice's and Bruno's revisions, both written after the guide's revision; the model has both changes."""
    guide = sandbox.migration_scripts()[-1].revision
    for rev_id in (ALICE, BRUNO):
        write_revision(sandbox, rev_id, lab_file(f"revisions/{rev_id}.py"), head=guide)
    sandbox.add_model_columns('priority = db.Column(db.String(10), nullable=False, server_default="normal")')
    sandbox.replace_model_line(CREATED_AT, CREATED_AT[:-1] + ", index=True)")
    return [f"Alice's revision {ALICE} and Bruno's revision {BRUNO} both follow {guide} (two heads)",
            "the model has both changes (a priority column, an index on created_at)",
            f"the database is still at {guide}"]


def check(sandbox):
    """Exercise 3: one head, one merge revision of both branches, the database at it with both changes."""
    checks = Checklist()
    rows_kept(checks, sandbox)
    if not consistent(checks, sandbox, EXERCISE):
        return checks.result(EXERCISE)
    guide, scripts = guide_revision(sandbox), sandbox.migration_scripts()
    moved = [s.revision for s in scripts if s.revision in (ALICE, BRUNO) and revisions.parents(s) != (guide,)]
    checks.check(not moved, None, f"{', '.join(moved)} no longer follow(s) {guide}: a revision that others "
                 "have already run keeps its down_revision")
    history_shape(checks, sandbox)
    heads = revisions.heads(sandbox.migrations)
    checks.check(len(heads) == 1, "the history has a single head", f"the history has {len(heads)} heads ({', '.join(heads)})")
    merges = [s for s in scripts if {ALICE, BRUNO} <= set(revisions.parents(s))]
    parents = [revisions.parents(s) for s in merges]
    if not checks.check(len(merges) == 1 and len(parents[0]) == 2, f"revision {merges[0].revision if merges else ''} "
                        f"merges {ALICE} and {BRUNO}", _merges_found(merges, parents)):
        return checks.result(EXERCISE)
    operations = [op for function in ("upgrade", "downgrade") for op in review_migration(merges[0], function).operations]
    checks.check(not operations, "the merge revision runs no operation of its own",
                 f"the merge revision runs {len(operations)} operation(s) of its own (line "
                 + ", ".join(str(op.line) for op in operations) + ")")
    if at_head(checks, sandbox):
        same_as_solution(checks, sandbox, EXERCISE)
        round_trip(checks, sandbox, guide, at_checkpoint(EXERCISE.checkpoint))
    return checks.result(EXERCISE)


def _merges_found(merges, parents):
    if not merges:
        return f"no revision follows both {ALICE} and {BRUNO}"
    return "; ".join(f"revision {s.revision} follows {len(p)} revisions: {', '.join(p)}" for s, p in zip(merges, parents))


EXERCISE = Exercise("merge", 3, TITLE, "upgraded", HINTS, check, prepare)
