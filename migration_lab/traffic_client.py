"""One release of the app serving its users, in a process of its own: ``python -m migration_lab.traffic_client``.

Started by :func:`migration_lab.traffic.deploy_app`. It imports the release's own ``WEB_SERVICE``
(the code as it was when it was deployed) and runs two apps on the same code, each with its own
connections: one answers readers (``GET /jobs/<id>``), one serves writers (``POST /jobs``, then a
worker finishing that job and recording its output size in the model's size column). PostgreSQL
tells them apart by ``application_name`` (``v1 reads``, ``v1 writes``). Each request is printed as
one JSON line (group, kind, start, end, status, error); the process stops when its stdin closes.

``time.monotonic()`` is the system-wide monotonic clock on Linux, so the parent compares these times
with its own. A pause between two requests plays a user's think time; it never stands for a lock.
"""
import argparse
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timezone

from sqlalchemy.engine import make_url

FORMATS = ("pdf", "docx", "odt", "txt", "html", "png")


def _error(error):
    """``UndefinedColumn: column conversion_jobs.size_bytes does not exist``: what the user's 500 hides."""
    cause = getattr(error, "orig", None) or error
    first = (str(cause).splitlines() or [""])[0].strip()
    return f"{type(cause).__name__}: {first}"


class Client:
    """The requests of one group (readers or writers), on one app, from several threads."""

    def __init__(self, group, app, model, db, out, lock, last_id, pause):
        self.group, self.app, self.model, self.db = group, app, model, db
        self.out, self.lock, self.last_id, self.pause = out, lock, last_id, pause
        self.size = "file_size" if "file_size" in model.__table__.columns else "size_bytes"

    def record(self, kind, started, status, error=None):
        line = json.dumps({"g": self.group, "k": kind, "t0": started, "t1": time.monotonic(), "s": status, "e": error})
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()

    def timed(self, kind, call):
        started = time.monotonic()
        try:
            status, value = call()
        except Exception as error:  # app.testing: the exception a user would see as a 500
            self.record(kind, started, 500, _error(error))
            return None
        self.record(kind, started, status)
        return value

    def read(self, client, rng):
        response_id = rng.randint(1, self.last_id)
        self.timed("read", lambda: (client.get(f"/jobs/{response_id}").status_code, None))

    def write(self, client, rng):
        payload = {"filename": f"upload-{rng.randint(1, 10**6)}.pdf", "target_format": rng.choice(FORMATS[1:])}

        def create():
            response = client.post("/jobs", json=payload)
            return response.status_code, response.get_json().get("id")

        job_id = self.timed("create", create)
        if job_id is not None:
            self.timed("finish", lambda: self.finish(job_id, rng.randint(1_000, 30_000_000)))

    def finish(self, job_id, size):
        """The worker: the job is done, its output size recorded in the release's size column."""
        with self.app.app_context():
            try:
                job = self.db.session.get(self.model, job_id)
                setattr(job, self.size, size)
                job.status = "done"
                job.finished_at = datetime.now(timezone.utc).replace(tzinfo=None)
                self.db.session.commit()
            except Exception:
                self.db.session.rollback()
                raise
        return 200, None

    def loop(self, seed, stop, kind):
        rng = random.Random(seed)
        client = self.app.test_client()
        step = self.read if kind == "reads" else self.write
        while not stop.is_set():
            step(client, rng)
            time.sleep(self.pause)


def _app(url, name):
    """The release's app, its connections named ``name`` in pg_stat_activity."""
    from WEB_SERVICE.app import create_app

    os.environ["DATABASE_URL"] = make_url(url).update_query_dict({"application_name": name}).render_as_string(False)
    app = create_app()
    app.testing = True
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="the release's folder (WEB_SERVICE/ inside)")
    parser.add_argument("--name", required=True)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--last-id", type=int, required=True, help="readers ask for ids 1..last-id")
    parser.add_argument("--pause", type=float, default=0.01)
    args = parser.parse_args(argv)
    url = os.environ["DATABASE_URL"]
    sys.path.insert(0, args.root)
    os.chdir(args.root)
    from WEB_SERVICE.extensions import db
    from WEB_SERVICE.models import ConversionJobModel

    stop, lock, threads = threading.Event(), threading.Lock(), []
    for kind, count in (("reads", args.readers), ("writes", args.writers)):
        if count:
            group = f"{args.name} {kind}"
            client = Client(group, _app(url, group), ConversionJobModel, db, sys.stdout, lock, args.last_id, args.pause)
            for number in range(count):
                thread = threading.Thread(target=client.loop, args=(f"{group} {number}", stop, kind), daemon=True)
                threads.append(thread)
    for thread in threads:
        thread.start()
    sys.stdin.read()  # the parent closes our stdin to stop us
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


if __name__ == "__main__":
    main()
