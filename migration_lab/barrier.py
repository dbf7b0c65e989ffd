"""A barrier made of a real transaction: processes started together reach one point together, on any machine.

Four replicas started at once reach the database over a second or more (each imports Flask, SQLAlchemy and
Alembic first, slower still when both cores are busy), while a few small revisions take milliseconds: whether
they collide depends on timing. To show what happens when they do, a transaction of the lab's own holds
what they all need next (an uncommitted ``CREATE TABLE alembic_version``: each replica's own CREATE waits
for it), and a thread reads ``pg_stat_activity`` until that many sessions of that name wait for a lock; then
it rolls the transaction back, and they go on at the same instant. Nothing sleeps in place of the wait; after
``timeout`` seconds the barrier opens anyway and says so.
"""
import threading
import time
from collections import Counter

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

POLL = 0.02  # seconds between two reads of pg_stat_activity
WAITING = """
SELECT coalesce(wait_event, '') FROM pg_stat_activity
WHERE datname = current_database() AND application_name = :name AND wait_event_type = 'Lock'
"""


class Barrier:
    """Roll ``transaction`` back once ``count`` sessions named ``name`` wait for a lock; ``text()`` says what was seen."""

    def __init__(self, transaction, name, count, timeout=120):
        self.transaction, self.name, self.count, self.timeout = transaction, name, count, timeout
        self.waits = None  # Counter of wait events (e.g. transactionid, advisory) when the barrier opened
        self.error = None
        self._thread = threading.Thread(target=self._run, name="lab barrier", daemon=True)
        self._thread.start()

    def _run(self):
        url = make_url(self.transaction.database.url).update_query_dict({"application_name": "lab observer"})
        engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + self.timeout
        try:
            with engine.connect() as connection:
                while time.monotonic() < deadline:
                    events = connection.execute(text(WAITING), {"name": self.name}).scalars().all()
                    if len(events) >= self.count:
                        self.waits = Counter(events)
                        break
                    time.sleep(POLL)
        except Exception as error:  # reported by text(); the barrier still opens
            self.error = f"{type(error).__name__}: {error}"
        finally:
            engine.dispose()
            self.transaction.finish(rollback=True)

    def wait(self):
        """Until the barrier has opened (it always does, by ``timeout``); returns self."""
        self._thread.join()
        return self

    def text(self):
        self.wait()
        who = f"{self.count} sessions {self.name!r}"
        if self.error:
            return f"the barrier failed ({self.error}); {self.transaction.name} rolled back"
        if self.waits is None:
            return f"not seen: {who} waiting for a lock within {self.timeout} s; {self.transaction.name} rolled back anyway"
        events = ", ".join(f"{event or 'other'}: {n}" for event, n in sorted(self.waits.items()))
        return (f"{who} waited for a lock ({events}); then {self.transaction.name} rolled back: "
                "they went on at the same instant")

    __str__ = __repr__ = text
