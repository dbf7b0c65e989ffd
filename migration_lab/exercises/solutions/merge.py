"""Exercise 3, solved: one merge revision that follows both heads, then upgrade (CLI steps only)."""
MESSAGE = "merge priority and created_at index"


def solve(box):
    box.flask_db("merge", revisions="heads", message=MESSAGE)
    box.flask_db("upgrade")
