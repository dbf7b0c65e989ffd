"""Exercise 5, solved: autogenerate the baseline against an empty database, then stamp this one."""
MESSAGE = "baseline"
EMPTY_DATABASE = "instance/empty.db"  # what DATABASE_URL=sqlite:///empty.db names (relative to instance/)


def solve(box):
    box.flask_db("init")
    box.flask_db("migrate", database=box.root / EMPTY_DATABASE, message=MESSAGE)
    box.flask_db("stamp", revision="head")
