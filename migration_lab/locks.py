"""Locks as PostgreSQL sees them, read from a third connection: who holds what, who waits, behind whom.

A migration's danger is rarely its own duration: it is the lock it asks for. ``ALTER TABLE`` asks for
ACCESS EXCLUSIVE; while it waits (behind a long report, say), every query on the table that asks for
a conflicting lock queues *behind the ALTER* (PostgreSQL grants locks in arrival order). So the
lab reports waits as PostgreSQL records them, never as a latency: ``pg_stat_activity.wait_event_type
= 'Lock'`` and ``pg_locks.granted = false``, with ``pg_blocking_pids()`` naming who is in the way.
Sessions are told apart by ``application_name``: the app's releases set theirs (``v1 reads``), ``!``
commands take ``PGAPPNAME``, :func:`open_transaction` names its own.

:func:`watch_locks` polls from a thread while a cell runs ``!flask db upgrade``: once the migration
waits for its lock (or runs the statement given), it waits for each group of app sessions to settle,
either all waiting behind it or answering requests meanwhile, keeps that snapshot, and can then end
the transaction that blocked the migration. Nothing here sleeps in place of a lock.
"""
import threading
import time
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .barrier import Barrier
from .errors import LabError
from .render import text_table

SESSIONS = """
SELECT a.pid, a.application_name, a.state, coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''),
       split_part(ltrim(a.query), ' ', 1), pg_blocking_pids(a.pid),
       coalesce(array_agg(l.mode ORDER BY l.mode) FILTER (WHERE l.granted), '{}'),
       coalesce(array_agg(l.mode ORDER BY l.mode) FILTER (WHERE NOT l.granted), '{}')
FROM pg_stat_activity a
LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation'
     AND l.relation = (SELECT c.oid FROM pg_class c WHERE c.relname = :table AND c.relkind = 'r'
                       AND c.relnamespace = 'public'::regnamespace)
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
GROUP BY a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event, a.query
"""
POLL = 0.02      # seconds between two reads of pg_stat_activity / pg_locks
ANSWERS = 10     # requests a group must answer, after the migration started waiting, to count as served


def _engine(database, name):
    """An engine whose one connection is named ``name`` in pg_stat_activity."""
    url = make_url(database.url).update_query_dict({"application_name": name})
    return create_engine(url, poolclass=NullPool)


@dataclass(frozen=True)
class Session:
    """One backend, as pg_stat_activity and pg_locks show it (locks: on the watched table only)."""

    pid: int
    name: str
    state: str
    wait_event_type: str
    wait_event: str
    statement: str       # the first word of its current (or last) statement
    blocked_by: tuple    # pids, from pg_blocking_pids()
    holds: tuple         # lock modes granted on the table
    waits_for: tuple     # lock modes requested on the table, not granted (pg_locks.granted = false)

    @property
    def waiting(self):
        return self.wait_event_type == "Lock"


class Sessions(tuple):
    """A snapshot of every client session of the database."""

    def named(self, name):
        """The sessions whose application_name is ``name`` or starts with ``name + " "``."""
        return [s for s in self if s.name == name or s.name.startswith(name + " ")]

    def names_of(self, pids):
        return sorted({s.name for s in self if s.pid in pids})


def sessions(database, table="conversion_jobs", connection=None):
    """Every client session of ``database`` now (pass an open ``connection`` to poll cheaply)."""
    if connection is None:
        engine = _engine(database, "lab observer")
        with engine.connect() as own:
            return sessions(database, table, own)
    rows = connection.execute(text(SESSIONS), {"table": table}).all()
    return Sessions(Session(r[0], r[1], r[2] or "", r[3], r[4], r[5].upper(), tuple(r[6]), tuple(r[7]), tuple(r[8]))
                    for r in rows)


class Transaction:
    """A transaction kept open on its own connection: a long report, or any lock the lab holds on purpose."""

    def __init__(self, database, sql, name, table="conversion_jobs"):
        self.name, self.sql, self.table, self.database = name, sql, table, database
        self._engine = _engine(database, name)
        self._connection = self._engine.connect()
        self.pid = self._connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        self._connection.execute(text(sql))  # SQLAlchemy began the transaction: it stays open
        self.open = True

    def locks(self):
        """The lock modes this transaction holds on the table (read from pg_locks, by its pid)."""
        return next((s.holds for s in sessions(self.database, self.table) if s.pid == self.pid), ())

    def text(self):
        if not self.open:
            return f"{self.name}: transaction ended"
        return f"{self.name}: transaction open, holds {', '.join(self.locks()) or 'no lock'} on {self.table}"

    __str__ = __repr__ = text

    def finish(self, rollback=False):
        """COMMIT (ROLLBACK with ``rollback=True``): the transaction ends and its locks go (safe to call twice)."""
        if self.open:
            self.open = False
            (self._connection.rollback if rollback else self._connection.commit)()
            self._connection.close()
            self._engine.dispose()

    def rollback_when_waiting(self, name, count, timeout=120):
        """A barrier: ROLLBACK once ``count`` sessions named ``name`` wait for a lock (see :mod:`.barrier`)."""
        return Barrier(self, name, count, timeout)


def open_transaction(database, sql, name="report"):
    """Run ``sql`` in a transaction that stays open until ``.finish()``: the locks it took stay held.

    ``open_transaction(db, "SELECT count(*) FROM conversion_jobs", "report")`` is a report that took
    its snapshot and has not committed yet: it holds ACCESS SHARE on the table.
    """
    return Transaction(database, sql, name)


class LockWatch:
    """Watch the sessions while a migration runs; keep the snapshot where the app's reaction is settled.

    The trigger is the migration (sessions named ``name``) waiting for a lock on the table, or, with
    ``running="UPDATE"``, running that statement. Then each group of app sessions settles one way or
    the other: all of its sessions wait (granted = false), or it answers ANSWERS requests. That
    snapshot is kept, and ``then()`` runs (``report.finish``: the blocker goes, the migration proceeds),
    ``then_after`` seconds later: how long the report keeps running once the queue has formed.
    """

    def __init__(self, database, apps=(), then=None, running=None, migrations=1, then_after=0, name="migration",
                 table="conversion_jobs", timeout=120):
        self.database, self.apps, self.then, self.running = database, tuple(apps), then, running
        self.then_after, self._then_at = then_after, None
        self.migrations, self.name, self.table, self.timeout = migrations, name, table, timeout
        self.seen = None          # the settled snapshot (Sessions)
        self.outcomes = {}        # group name -> "wait" or "served"
        self.trigger_time = None
        self.timeline = []        # (time, migration present, migration waiting): for plots
        self.error = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lab lock watch", daemon=True)
        self._thread.start()

    def _triggered(self, now):
        ours = now.named(self.name)
        if self.running:
            return any(s.state == "active" and s.statement == self.running.upper() for s in ours)
        return sum(1 for s in ours if s.waits_for) >= self.migrations

    def _settled(self, now):
        outcomes = {}
        for app in self.apps:
            for group, clients in app.groups:
                waiting = [s for s in now.named(group) if s.waiting]
                if len(waiting) >= clients:
                    outcomes[group] = "wait"
                elif app.answered(group, after=self.trigger_time) >= ANSWERS:
                    outcomes[group] = "served"
                else:
                    return None
        return outcomes

    def _run(self):
        engine = _engine(self.database, "lab observer")
        started = time.monotonic()
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # fresh stats each read
                while not self._stop.is_set():
                    now = sessions(self.database, self.table, connection)
                    ours = now.named(self.name)
                    self.timeline.append((time.monotonic(), bool(ours), any(s.waits_for for s in ours)))
                    if self.seen is None:
                        if self._triggered(now):
                            self.trigger_time = self.trigger_time or time.monotonic()
                            outcomes = self._settled(now)
                            if outcomes is not None:
                                self.seen, self.outcomes = now, outcomes
                                self._then_at = time.monotonic() + self.then_after
                        elif time.monotonic() - started > self.timeout:
                            self._release()
                    if self._then_at is not None and time.monotonic() >= self._then_at:
                        self._release()
                    time.sleep(POLL)
        except Exception as error:  # reported by text(); never left hanging in a thread
            self.error = f"{type(error).__name__}: {error}"
            self._release()
        finally:
            engine.dispose()

    def _release(self):
        if self.then is not None:
            then, self.then = self.then, None
            then()

    def stop(self):
        """Stop watching (the cell's command has finished); what was seen stays."""
        self._stop.set()
        self._thread.join(timeout=10)
        self._release()
        return self

    def spans(self):
        """(start, end, what) intervals of the migration session: open, and waiting for its lock."""
        result = []
        for index, label in ((1, "migration running"), (2, "migration waiting for its lock")):
            start = None
            for moment, *flags in self.timeline:
                if flags[index - 1] and start is None:
                    start = moment
                elif not flags[index - 1] and start is not None:
                    result.append((start, moment, label))
                    start = None
            if start is not None:
                result.append((start, self.timeline[-1][0], label))
        return result

    def text(self):
        self.stop()
        if self.error:
            return f"the watch failed: {self.error}"
        if self.seen is None:
            what = f"running {self.running}" if self.running else "waiting for a lock"
            return f"not seen: no session {self.name!r} {what} on {self.table} (within {self.timeout} s)"
        moment = f"ran {self.running}" if self.running else "waited for its lock"
        rows = [("session", "state", f"lock on {self.table}", "blocked by")]
        groups = {group for app in self.apps for group, _ in app.groups}

        def blockers_of(members):  # the app's own queued sessions are left out: which of them queued first is chance
            pids = {p for s in members for p in s.blocked_by}
            return ", ".join(n for n in self.seen.names_of(pids) if n not in groups) or "-"

        blockers = [s for s in self.seen if s.name != self.name and s.name not in groups and (s.holds or s.waits_for)
                    and not s.name.startswith("lab ")]
        for session in sorted(blockers, key=lambda s: s.name):
            rows.append((session.name, session.state, _locks(session), blockers_of([session])))
        ours = self.seen.named(self.name)
        label = self.name if len(ours) == 1 else f"{self.name} (x{len(ours)})"
        rows.append((label, ", ".join(sorted({s.state for s in ours})), "; ".join(sorted({_locks(s) for s in ours})),
                     blockers_of(ours)))
        for app in self.apps:
            for group, clients in app.groups:
                members = self.seen.named(group)
                if self.outcomes[group] == "wait":
                    rows.append((group, f"{clients} of {clients} sessions wait (Lock)", "granted = false",
                                 blockers_of(members)))
                else:
                    rows.append((group, f"answered {ANSWERS} requests meanwhile", "none waiting", "-"))
        return f"seen from a third connection while the {self.name} {moment}:\n" + text_table(rows, indent="  ")

    __str__ = __repr__ = text


def _locks(session):
    if session.waits_for:
        return f"waits for {', '.join(session.waits_for)} (granted = false)"
    return f"holds {', '.join(session.holds)}" if session.holds else "-"


def watch_locks(database, apps=(), then=None, running=None, migrations=1, then_after=0):
    """Watch pg_stat_activity and pg_locks from a third connection while the next cell's migration runs.

    ``apps``: the releases serving traffic (their groups of sessions are reported). ``then``: what to
    do once the app's reaction is settled, e.g. ``report.finish`` (the long transaction ends), ``then_after``
    seconds later (a report runs on after the queue formed: the users' wait).
    ``running="UPDATE"`` watches a migration that runs an UPDATE instead of one that waits for a lock.
    ``print()`` it after the migration: it shows the settled snapshot.
    """
    if database.__class__.__name__ != "PostgresDatabase":
        raise LabError("watch_locks reads pg_stat_activity and pg_locks: give it a PostgreSQL database")
    return LockWatch(database, apps, then, running, migrations, then_after)
