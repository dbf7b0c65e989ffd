"""The sample app's JSON API: paging, one job, creation, and a 400 (never a 500) on bad input."""
import pytest

from migration_lab import model_edits
from migration_lab.inprocess import load_app


def test_list_is_paged_in_id_order(client):
    body = client.get("/jobs?page=2&per_page=5").get_json()
    assert (body["page"], body["per_page"], body["total"]) == (2, 5, 400)
    assert [job["id"] for job in body["items"]] == [6, 7, 8, 9, 10]


def test_per_page_is_capped(client):
    assert client.get("/jobs?per_page=1000").get_json()["per_page"] == 100


def test_get_one_job(client):
    job = client.get("/jobs/1").get_json()
    assert job["filename"] == "proposition-202501-0008.pdf"
    assert job["created_at"] == "2025-01-06T17:36:05"


def test_unknown_job_is_a_json_404(client):
    response = client.get("/jobs/9999")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no conversion job with id 9999"}


def test_create_job(client):
    response = client.post("/jobs", json={"filename": "devis.odt", "target_format": "pdf"})
    assert response.status_code == 201
    job = response.get_json()
    assert (job["id"], job["source_format"], job["status"]) == (401, "odt", "pending")


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


def test_api_returns_the_guide_columns_once_migrated(make_sandbox):
    sandbox = make_sandbox("upgraded")
    with sandbox.flask_app() as app:
        client = app.test_client()
        job = client.get("/jobs/1").get_json()
        created = client.post("/jobs", json={"filename": "x.pdf", "target_format": "txt"}).get_json()
    assert {"progress", "page_done", "total_pages", "message"} <= job.keys()
    assert job["progress"] is None          # existing row: the column was added without a server default
    assert created["progress"] == 0         # new row: default=0 is applied by SQLAlchemy, in Python


def test_model_with_guide_columns_imports(project):
    model_edits.add_columns(project)
    with load_app(project) as app:
        columns = app.extensions["migrate"].db.metadata.tables["conversion_jobs"].c
        assert {"progress", "page_done", "total_pages", "message"} <= set(columns.keys())
