"""The app's traffic: releases of the sample app in processes of their own, on a real PostgreSQL."""
import time

import pytest

from migration_lab import LabError, deploy_app


def test_a_release_serves_from_its_frozen_code_until_stopped(production, capsys):
    project, database = production
    release = deploy_app(project, "v1", database)
    assert capsys.readouterr().out == "release v1 is serving (2 readers, 2 writers); its code: releases/v1/WEB_SERVICE\n"
    project.replace_model_line("size_bytes = db.Column(db.Integer)", "file_size = db.Column(db.Integer)")
    assert "size_bytes" in (project.root / "releases/v1/WEB_SERVICE/models/conversion_job.py").read_text()
    started = time.monotonic()
    release.wait_for(answers=5, after=started)
    assert {r.kind for r in release.since(started)} >= {"read", "create", "finish"}
    assert release.what_users_saw() == "v1 reads: no error\nv1 writes: no error"
    release.stop()
    assert not release.serving and repr(release) == "<release v1 of the app, stopped>"
    finished = database.query("SELECT count(*) FROM conversion_jobs WHERE id > 2000 AND status = 'done' "
                              "AND size_bytes IS NOT NULL")[0][0]
    assert finished > 0  # the worker recorded sizes in the release's size column


def test_what_users_saw_is_each_distinct_error_once_per_group(production):
    project, database = production
    release = deploy_app(project, "v1", database)
    database.execute("ALTER TABLE conversion_jobs RENAME COLUMN size_bytes TO file_size")
    renamed = time.monotonic()
    release.wait_for(errors=2, after=renamed)
    assert release.what_users_saw(after=renamed) == (
        "v1 reads: 500 UndefinedColumn: column conversion_jobs.size_bytes does not exist\n"
        'v1 writes: 500 UndefinedColumn: column "size_bytes" of relation "conversion_jobs" does not exist')
    database.execute("ALTER TABLE conversion_jobs RENAME COLUMN file_size TO size_bytes")
    back = time.monotonic()
    release.wait_for(answers=5, after=back)
    assert release.what_users_saw(after=back) == "v1 reads: no error\nv1 writes: no error"
    again = release.redeploy(writers=0)
    release.stop()
    assert again.groups == [("v1 reads", 2)] and again.serving
    figure = again.plot()
    assert figure.axes[0].get_ylabel() == "request duration (ms)"
    again.stop()


def test_waiting_for_what_never_comes_says_where_the_log_is(production):
    project, database = production
    release = deploy_app(project, "v1", database, writers=0)
    with pytest.raises(LabError, match=r"not 0 answers and 1 errors within 1 s .*releases/v1/traffic.log"):
        release.wait_for(errors=1, timeout=1)
    release.stop()
