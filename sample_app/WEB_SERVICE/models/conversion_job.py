"""A document conversion requested by a user (PDF to DOCX, and so on)."""
from datetime import datetime, timezone

from ..extensions import db


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ConversionJobModel(db.Model):
    __tablename__ = "conversion_jobs"

    id = db.Column(db.Integer, primary_key=True)
    filename = db.Column(db.String(255), nullable=False)
    source_format = db.Column(db.String(10), nullable=False)
    target_format = db.Column(db.String(10), nullable=False)
    status = db.Column(db.String(20), nullable=False, default="pending", index=True)
    size_bytes = db.Column(db.Integer)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)

    def to_dict(self):
        """Every column of the table, dates in ISO 8601: new columns appear in the API by themselves."""
        values = {}
        for column in self.__table__.columns:
            value = getattr(self, column.key)
            values[column.key] = value.isoformat() if isinstance(value, datetime) else value
        return values
