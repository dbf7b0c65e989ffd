"""What happened to a conversion job, one line per event."""
from datetime import datetime, timezone

from ..extensions import db


class AuditEntryModel(db.Model):
    __tablename__ = "audit_entries"

    id = db.Column(db.Integer, primary_key=True)
    job_id = db.Column(db.Integer, nullable=False)
    action = db.Column(db.String(50), nullable=False)
    at = db.Column(db.DateTime, default=lambda: datetime.now(timezone.utc).replace(tzinfo=None))
