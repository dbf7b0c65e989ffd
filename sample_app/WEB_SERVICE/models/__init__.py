"""Every model the app owns. Autogenerate only sees the models imported here."""
from .conversion_job import ConversionJobModel

__all__ = ["ConversionJobModel"]
