"""A multilingual newsletter pipeline: ingest → translate → render → preview → send."""

__version__ = "0.1.0"
