"""JSON API over conversion jobs: list (paged), get one, create."""
from flask import Blueprint, abort, request

from .extensions import db
from .models import ConversionJobModel

jobs = Blueprint("jobs", __name__, url_prefix="/jobs")

FORMATS = ("pdf", "docx", "odt", "txt", "html", "png")
MAX_PER_PAGE = 100


def positive_int_arg(name, default):
    """A query-string integer >= 1, or a 400 that says which argument is wrong."""
    raw = request.args.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        abort(400, description=f"'{name}' must be a whole number, got {raw!r}")
    if value < 1:
        abort(400, description=f"'{name}' must be 1 or more, got {value}")
    return value


@jobs.get("")
def list_jobs():
    page = positive_int_arg("page", 1)
    per_page = min(positive_int_arg("per_page", 20), MAX_PER_PAGE)
    query = db.select(ConversionJobModel).order_by(ConversionJobModel.id)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {
        "page": page,
        "per_page": per_page,
        "total": result.total,
        "items": [job.to_dict() for job in result.items],
    }


@jobs.get("/<int:job_id>")
def get_job(job_id):
    job = db.session.get(ConversionJobModel, job_id)
    if job is None:
        abort(404, description=f"no conversion job with id {job_id}")
    return job.to_dict()


@jobs.post("")
def create_job():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, description="send a JSON object, e.g. {\"filename\": \"report.pdf\", \"target_format\": \"docx\"}")
    filename = payload.get("filename")
    if not isinstance(filename, str) or not filename.strip() or len(filename) > 255:
        abort(400, description="'filename' must be a non-empty string of at most 255 characters")
    source_format = payload.get("source_format") or filename.rsplit(".", 1)[-1].lower()
    target_format = payload.get("target_format")
    for name, value in (("source_format", source_format), ("target_format", target_format)):
        if value not in FORMATS:
            abort(400, description=f"'{name}' must be one of {', '.join(FORMATS)}, got {value!r}")
    job = ConversionJobModel(
        filename=filename.strip(), source_format=source_format, target_format=target_format
    )
    db.session.add(job)
    db.session.commit()
    return job.to_dict(), 201
