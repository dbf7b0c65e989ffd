"""Who did what to a conversion job, kept in a database of its own: the "audit" bind (SQLALCHEMY_BINDS)."""
from ..extensions import db


class AuditLogModel(db.Model):
    __bind_key__ = "audit"
    __tablename__ = "audit_log"

    id = db.Column(db.Integer, primary_key=True)
    job_id = db.Column(db.Integer, nullable=False)
    action = db.Column(db.String(50), nullable=False)
