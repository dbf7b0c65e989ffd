"""The solutions of the exercises, written once: notebook 16 shows and runs them, the tests prove them.

Each module holds the code a learner writes (model lines, migration bodies) as small functions,
and ``solve(box)``, every step in order with ``flask db`` run in process. Notebook 16 calls the
same functions and runs each ``flask db`` step with the real CLI in a cell of its own.
"""
