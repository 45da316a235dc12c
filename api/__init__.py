"""The HTTP face of citeqa: JSON API, OpenAPI docs at /docs, and the chat page at /."""

from api.app import create_app

__all__ = ["create_app"]
