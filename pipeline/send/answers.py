"""Reading a provider's answers: what the API promises, or *unknown*, never "empty".

A listing, create, get or schedule answer that is not valid JSON (the HTTP boundary raises
that), or lacks or mistypes a field the send stage reads, is an
:class:`~pipeline.errors.UnexpectedAnswer`: the run stops at once (exit 2) with one line naming
the provider, the endpoint and what to do, and nothing further is changed. ``{"campaigns":
null}`` is not "no campaigns"; a create answer without an ``id`` is not a campaign.

:class:`Answer` wraps one decoded body and the request it answered; its readers take a path
into the body (``"data.results"``) and the type the API documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pipeline.errors import Rejected, UnexpectedAnswer
from pipeline.http import Service


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)  # fmt: skip


@dataclass(frozen=True)
class Answer:
    """One decoded answer of ``api`` to ``what`` (``"GET /emailCampaigns"``)."""

    api: Service
    what: str
    body: Any

    def wrong(self, where: str, expected: str, value: Any) -> UnexpectedAnswer:
        shown = f'"{where}" as ' if where else ""
        return self.api.unexpected(self.what, f"{shown}{_kind(value)} instead of {expected}")

    def missing(self, where: str) -> UnexpectedAnswer:
        return self.api.unexpected(self.what, f'no "{where}"')

    def at(self, where: str, body: Any = None) -> Any:
        """The value at a dotted path (``""``: the whole body); a missing step is unknown."""
        value = self.body if body is None else body
        if not where:
            return value
        for key in where.split("."):
            if not isinstance(value, Mapping):
                raise self.wrong(
                    where.rsplit(".", 1)[0] if "." in where else "", "an object", value
                )
            if key not in value:
                raise self.missing(where)
            value = value[key]
        return value

    def obj(self, where: str = "", body: Any = None) -> Mapping[str, Any]:
        value = self.at(where, body)
        if not isinstance(value, Mapping):
            raise self.wrong(where, "an object", value)
        return value

    def items(self, where: str, body: Any = None) -> list[Mapping[str, Any]]:
        value = self.at(where, body)
        if not isinstance(value, list):
            raise self.wrong(where, "a list", value)
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise self.wrong(f"{where}[{index}]", "an object", item)
        return value

    def integer(self, where: str, body: Any = None) -> int:
        value = self.at(where, body)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.wrong(where, "a whole number", value)
        return value

    def text(self, where: str, body: Any = None) -> str:
        value = self.at(where, body)
        if not isinstance(value, str):
            raise self.wrong(where, "a string", value)
        return value

    def optional_text(self, key: str, body: Mapping[str, Any]) -> str | None:
        """A string field the API may leave out or null (``scheduledAt``, ``tag``)."""
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise self.wrong(key, "a string", value)
        return value or None

    def optional_flag(self, key: str, body: Mapping[str, Any]) -> bool | None:
        value = body.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.wrong(key, "true or false", value)
        return value


def read(api: Service, method: str, path: str, **request: Any) -> Answer:
    """Send one request through ``api`` and wrap its decoded body for reading."""
    body = api.call(method, path, **request)
    return Answer(api, f"{method} {path}", body)


T = TypeVar("T")


def unless_gone(call: Callable[[], T]) -> T | None:
    """``call()``, or None when the provider answers 404: no such campaign (any more)."""
    try:
        return call()
    except Rejected as err:
        if err.status == 404:
            return None
        raise
