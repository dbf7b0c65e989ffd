"""Exercise 2 · rename size_bytes to file_size without losing a single size."""
from .checks import Checklist, Exercise, at_head, model_table, reference, replayed, rows_kept, table

TITLE = "Exercise 2 · Rename size_bytes to file_size without losing data"
HINT = """
Read the generated script before upgrading (widgets.migration_reviewer): autogenerate cannot tell a rename
from a new column plus a removed one. batch_op.alter_column() accepts new_column_name=..., in upgrade() and,
the other way round, in downgrade(). Lost the sizes already? Re-run the exercise's start cell."""
RENAMED = {"size_bytes": "file_size"}


def check(sandbox):
    """Exercise 2: size_bytes renamed file_size in the model and the database, every size kept."""
    checks = Checklist()
    names = table(sandbox).column_names
    renamed = checks.check("file_size" in names and "size_bytes" not in names,
                           "the database has file_size and no size_bytes",
                           "the database should have file_size instead of size_bytes "
                           f"(it has {', '.join(n for n in names if n in ('file_size', 'size_bytes'))})")
    rows_kept(checks, sandbox, RENAMED if "file_size" in names else None)
    model = model_table(checks, sandbox)
    if model is not None:
        checks.check("file_size" in model.column_names and "size_bytes" not in model.column_names,
                     "the model has file_size", "the model should have file_size instead of size_bytes")
    if at_head(checks, sandbox) and renamed:
        with replayed(checks, sandbox) as scratch:
            if scratch:
                kept = scratch.fingerprint(renamed=RENAMED)
                checks.check(kept.same_as(reference("created")[0]),
                             "downgrade to base and upgrade again keep every size (on a copy)",
                             "on a copy, downgrade to base then upgrade again loses sizes: both upgrade() and "
                             "downgrade() must rename (alter_column ... new_column_name=...), never drop")
    return checks.result(TITLE, HINT)


EXERCISE = Exercise("rename", TITLE, "upgraded", HINT, check)
