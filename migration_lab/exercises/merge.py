"""Exercise 3 · two developers' revisions follow the same parent: merge the two heads."""
from .. import revisions
from ..recommended import write_revision
from ..sources import lab_file
from .checks import Checklist, Exercise, at_head, rows_kept, table

TITLE = "Exercise 3 · Two heads: merge them"
HINT = """
`flask db merge` writes a revision that follows the revisions you give it; `heads` names every head at once.
Then `flask db upgrade`."""
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
    """Exercise 3: one head, a merge revision of both branches, the database at it with both changes."""
    checks = Checklist()
    heads = revisions.heads(sandbox.migrations)
    if checks.check(len(heads) == 1, "the history has a single head",
                    f"the history has {len(heads)} heads ({', '.join(heads)}): merge them"):
        head = revisions.find_script(sandbox.migrations, revision=heads[0])
        checks.check({ALICE, BRUNO} <= set(revisions.parents(head)), f"the head {head.revision} merges {ALICE} and {BRUNO}",
                     f"the head {head.revision} is not a merge of {ALICE} and {BRUNO}")
        at_head(checks, sandbox)
    columns = table(sandbox)
    checks.check(columns.column("priority") is not None and any("created_at" in i for i in columns.indexes),
                 "the database has Alice's priority column and Bruno's index",
                 "the database lacks Alice's priority column or Bruno's created_at index: upgrade after merging")
    rows_kept(checks, sandbox)
    return checks.result(TITLE, HINT)


EXERCISE = Exercise("merge", TITLE, "upgraded", HINT, check, prepare)
