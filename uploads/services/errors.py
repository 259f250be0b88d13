"""What the services raise when a person asks for something they cannot have."""

from __future__ import annotations


class ServiceError(Exception):
    """A person asked for something the upload's state or content does not allow."""
