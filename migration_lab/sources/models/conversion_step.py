"""The steps a conversion job went through, one row each: they belong to their job and go with it."""
from ..extensions import db


class ConversionStepModel(db.Model):
    __tablename__ = "conversion_steps"

    id = db.Column(db.Integer, primary_key=True)
    job_id = db.Column(db.Integer, db.ForeignKey("conversion_jobs.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(50), nullable=False)
