"""The sample app's JSON API: paging, one job, creation, and a 400 (never a 500) on bad input."""
from datetime import datetime

import pytest

from migration_lab.checkpoints import replay
from migration_lab.model_edits import GUIDE_COLUMNS

GUIDE_NAMES = {line.split(" = ")[0] for line in GUIDE_COLUMNS.splitlines()}


def test_list_is_paged_in_id_order(client, row_count):
    body = client.get("/jobs?page=2&per_page=5").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 5, row_count)
    assert [job["id"] for job in body["items"]] == [6, 7, 8, 9, 10]


def test_per_page_is_capped(client):
    assert client.get("/jobs?per_page=1000").get_json()["per_page"] == 100


def test_get_one_job(client, csv_rows):
    job = client.get("/jobs/1").get_json()
    assert job["filename"] == csv_rows[0]["filename"]
    assert job["created_at"] == datetime.fromisoformat(csv_rows[0]["created_at"]).isoformat()


def test_unknown_job_is_a_json_404(client):
    response = client.get("/jobs/9999")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no conversion job with id 9999"}


def test_create_job(client, row_count):
    response = client.post("/jobs", json={"filename": "devis.odt", "target_format": "pdf"})
    assert response.status_code == 201
    job = response.get_json()
    assert (job["id"], job["source_format"], job["status"]) == (row_count + 1, "odt", "pending")


@pytest.mark.parametrize("payload, message", [
    (None, "send a JSON object"),
    ({"filename": ""}, "'filename' must be a non-empty string"),
    ({"filename": "a.pdf", "target_format": "exe"}, "'target_format' must be one of"),
    ({"filename": "a.xyz", "target_format": "pdf"}, "'source_format' must be one of"),
    (["a list"], "send a JSON object"),
])
def test_bad_job_is_a_400_that_says_why(client, payload, message):
    response = client.post("/jobs", json=payload) if payload is not None else client.post("/jobs", data="nope")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


@pytest.mark.parametrize("query", ["page=zero", "page=0", "per_page=-3"])
def test_bad_paging_is_a_400(client, query):
    response = client.get(f"/jobs?{query}")
    assert response.status_code == 400
    assert "must be" in response.get_json()["error"]


def test_api_returns_the_guide_columns_once_migrated(project):
    replay(project, "upgraded")
    with project.flask_app() as app:
        client = app.test_client()
        job = client.get("/jobs/1").get_json()
        created = client.post("/jobs", json={"filename": "x.pdf", "target_format": "txt"}).get_json()
    assert GUIDE_NAMES <= job.keys()
    assert job["progress"] is None          # existing row: the column was added without a server default
    assert created["progress"] == 0         # new row: default=0 is applied by SQLAlchemy, in Python


def test_model_with_guide_columns_imports(project):
    project.add_model_columns()
    with project.flask_app() as app:
        columns = app.extensions["migrate"].db.metadata.tables["conversion_jobs"].c
        assert GUIDE_NAMES <= set(columns.keys())
