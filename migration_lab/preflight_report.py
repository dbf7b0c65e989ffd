"""Preflight's report: what the upgrade did on the copy, as text for a terminal or CI log, and as JSON.

It also gives the verdict a deploy pipeline acts on. Exit status 1 when values or rows that existed
before are gone or changed (unless the team said the loss is intended, ``--allow-drop table`` or
``--allow-drop table.column``), when a revision failed, when ``flask db check`` finds that models and
migrations disagree, or when an asked-for round trip does not come back; 0 otherwise. Durations and
the copy's size depend on the machine: ``timings=False`` leaves them out, for outputs that tests compare.
"""
from dataclasses import dataclass, field

from .render import text_table


@dataclass(frozen=True)
class RevisionRun:
    """One revision upgraded on the copy: how long it took, or the one-line error that stopped it."""

    revision: str
    message: str
    script: str
    seconds: float = 0.0
    error: str = None


@dataclass(frozen=True)
class Check:
    """``flask db check`` on the upgraded copy: ok, disagree (the operations it found), or skipped (why)."""

    status: str
    detail: str = ""


@dataclass(frozen=True)
class RoundTrip:
    """Downgrade to where the copy started, then upgrade again: does everything come back?"""

    downgrade_to: str
    error: str = None
    reached: tuple = ()             # the revisions the copy is at after the downgrade
    schema_restored: bool = False   # the downgrade gives back the starting schema's tables and columns (shown)
    same_schema: bool = False       # upgrading again gives the schema of the first upgrade (judged)
    same_rows: bool = False         # ... and the same rows and values (judged)

    @property
    def ok(self):
        return self.error is None and self.same_schema and self.same_rows


@dataclass(frozen=True)
class Loss:
    target: str        # "table" or "table.column": what --allow-drop names
    what: str
    allowed: bool = False


@dataclass
class Report:
    source: str
    target: str
    engine: str
    start: tuple                        # the revisions the copy was at
    planned: tuple                      # RevisionRun-like (revision, message, script) of the plan
    runs: list = field(default_factory=list)
    schema_diff: object = None          # SchemaDiff
    tables: tuple = ()                  # TableRows
    reviews: tuple = ()                 # Review of each planned script's upgrade()
    check: Check = None
    round_trip: RoundTrip = None
    allowed: tuple = ()
    copy_method: str = ""               # how the source was read (Copy.method)
    copy_size: int = 0
    copy_seconds: float = 0.0
    source_unchanged: bool = True
    timings: bool = True

    # --- the verdict ------------------------------------------------------------------------------
    def _allowed(self, target):
        return target in self.allowed or target.split(".")[0] in self.allowed

    @property
    def losses(self):
        found = []
        for table in self.tables:
            if table.dropped:
                if table.rows_before:
                    found.append(Loss(table.name, f"table dropped with its {table.rows_before} rows"))
                continue
            if table.rows_lost:
                found.append(Loss(table.name, f"{table.rows_lost} of {table.rows_before} rows lost"))
            found += [Loss(f"{table.name}.{c.name}", c.text()) for c in table.columns if c.lost]
        return [Loss(loss.target, loss.what, self._allowed(loss.target)) for loss in found]

    @property
    def failed_run(self):
        return next((run for run in self.runs if run.error), None)

    def problems(self):
        """Why the verdict is FAIL, one line each (empty: PASS)."""
        lines = [f"data lost: {loss.target}: {loss.what} (if intended: --allow-drop {loss.target})"
                 for loss in self.losses if not loss.allowed]
        if self.failed_run:
            lines.append(f"revision {self.failed_run.revision} failed: {self.failed_run.error}")
        if self.check and self.check.status == "disagree":
            lines.append("models and migrations disagree (flask db check)")
        if self.round_trip and not self.round_trip.ok:
            lines.append("the round trip (downgrade, then upgrade) does not come back")
        if not self.source_unchanged:
            lines.append("the source's schema or revision changed while preflight ran")
        return lines

    @property
    def exit_code(self):
        return 1 if self.problems() else 0

    # --- text -------------------------------------------------------------------------------------------
    def _seconds(self, seconds):
        return f"{seconds:.2f} s" if self.timings else ""

    def text(self):
        size = f", {self.copy_size / 1e6:.1f} MB, copied in {self.copy_seconds:.2f} s" if self.timings else ""
        out = [f"preflight: {self.source}, upgraded to {self.target} on a copy ({self.copy_method}{size})",
               f"the copy started at: {', '.join(self.start) or '(no revision)'}", ""]
        out += self._revisions_text() + [""] + self._schema_text() + [""] + self._rows_text() + [""]
        out += self._review_text() + [""] + [f"flask db check on the result: {self._check_text()}"]
        if self.round_trip:
            out += ["", self._round_trip_text()]
        out += ["", f"source untouched (schema and revision read before and after): "
                    f"{'yes' if self.source_unchanged else 'NO'}", ""] + self._verdict_text()
        return "\n".join(out)

    __str__ = text

    def _revisions_text(self):
        if not self.planned:
            return ["revisions: none to apply, the copy is already there"]
        done = {run.revision: run for run in self.runs}
        rows = []
        for revision, message, _ in self.planned:
            run = done.get(revision)
            state = "not run" if run is None else ("FAILED" if run.error else "ok")
            rows.append((state, revision, message, self._seconds(run.seconds) if run else ""))
        lines = [f"revisions applied on the copy, one at a time ({len([r for r in self.runs if not r.error])} "
                 f"of {len(self.planned)}):", text_table(rows, indent="  ")]
        if self.failed_run:
            lines.append(f"  error in {self.failed_run.revision}: {self.failed_run.error}")
        return lines

    def _schema_text(self):
        lines = self.schema_diff.lines() if self.schema_diff else []
        return ["schema diff:"] + [f"  {line}" for line in lines or ["(no schema change)"]]

    def _rows_text(self):
        lines = ["rows and values (every table and column that existed before):"]
        for table in self.tables:
            if table.dropped:
                lines.append(f"  {table.name}: DROPPED with its {table.rows_before} rows")
                continue
            name = f"{table.name} (renamed to {table.renamed_to})" if table.renamed_to else table.name
            lost = f", {table.rows_lost} LOST" if table.rows_lost else ""
            lines.append(f"  {name}: {table.rows_before} rows before, {table.rows_after} after{lost}")
            kept = [c.name for c in table.columns if c.status == "kept"]
            if kept:
                lines.append(f"    kept: {', '.join(kept)}")
            lines += [f"    {c.name}: {c.text()}" for c in table.columns if c.status != "kept"]
        return lines if self.tables else lines + ["  (no table)"]

    def _review_text(self):
        lines = ["review of each script (python -m migration_lab review):"]
        for review in self.reviews:
            verdict = f"{len(review.flagged)} risky operation(s)" if review.flagged else "nothing flagged"
            lines.append(f"  {review.script}: {verdict}")
            if review.flagged:
                lines += ["  " + line for line in review.report().splitlines()]
        return lines if self.reviews else lines + ["  (no script to review)"]

    def _check_text(self):
        return {"ok": "ok, models and migrations agree", "disagree": f"DISAGREE: {self.check.detail}",
                "skipped": f"skipped ({self.check.detail})"}[self.check.status]

    def _round_trip_text(self):
        trip = self.round_trip
        head = f"round trip (downgrade to {trip.downgrade_to}, then upgrade to {self.target}):"
        if trip.error:
            return f"{head} FAILED: {trip.error}"
        yes = {True: "yes", False: "NO"}
        at = ", ".join(trip.reached) or "(no revision)"
        return "\n".join([head, f"  after the downgrade the copy is at: {at}",
                          f"  downgrade gives back the starting schema: {yes[trip.schema_restored]}",
                          f"  upgrade again gives the same schema: {yes[trip.same_schema]}",
                          f"  ... and the same rows and values: {yes[trip.same_rows]}"])

    def _verdict_text(self):
        problems = self.problems()
        lines = [f"verdict: {'FAIL' if problems else 'PASS'} (exit {self.exit_code})"]
        lines += [f"  {line}" for line in problems]
        lines += [f"  allowed (--allow-drop {loss.target}): {loss.target}: {loss.what}"
                  for loss in self.losses if loss.allowed]
        return lines

    # --- JSON -------------------------------------------------------------------------------------------
    def as_dict(self):
        timed = self.timings
        return {
            "source": self.source, "engine": self.engine, "target": self.target, "start": list(self.start),
            "copy": {"method": self.copy_method, "bytes": self.copy_size if timed else None, "seconds": round(self.copy_seconds, 3) if timed else None},
            "revisions": [{"revision": revision, "message": message, "script": script,
                           "status": self._status(revision),
                           "seconds": round(run.seconds, 3) if (run := self._run(revision)) and timed else None,
                           "error": run.error if run else None}
                          for revision, message, script in self.planned],
            "schema_diff": self.schema_diff.lines() if self.schema_diff else [],
            "tables": [{"table": t.name, "rows_before": t.rows_before, "rows_after": t.rows_after,
                        "rows_lost": t.rows_lost, "dropped": t.dropped, "renamed_to": t.renamed_to,
                        "columns": [{"column": c.name, "values": c.values, "status": c.status,
                                     "changed": c.changed, "renamed_to": c.renamed_to} for c in t.columns]}
                       for t in self.tables],
            "tables_dropped": [t.name for t in self.tables if t.dropped],
            "review": [{"script": r.script, "flagged": [
                {"line": op.line, "operation": op.name, "target": op.where, "risks": list(op.risks)}
                for op in r.flagged]} for r in self.reviews],
            "check": {"status": self.check.status, "detail": self.check.detail} if self.check else None,
            "round_trip": None if self.round_trip is None else {
                "downgrade_to": self.round_trip.downgrade_to, "error": self.round_trip.error,
                "reached": list(self.round_trip.reached),
                "schema_restored": self.round_trip.schema_restored, "same_schema": self.round_trip.same_schema,
                "same_rows": self.round_trip.same_rows, "ok": self.round_trip.ok},
            "losses": [{"target": loss.target, "what": loss.what, "allowed": loss.allowed} for loss in self.losses],
            "source_unchanged": self.source_unchanged,
            "problems": self.problems(), "verdict": "fail" if self.exit_code else "pass", "exit_code": self.exit_code,
        }

    def _run(self, revision):
        return next((run for run in self.runs if run.revision == revision), None)

    def _status(self, revision):
        run = self._run(revision)
        return "not run" if run is None else ("failed" if run.error else "applied")
