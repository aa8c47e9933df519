"""Every exception the pipeline raises on purpose.

Anything that is not a :class:`PipelineError` is a bug and keeps its traceback.

    PipelineError                 printed as "error: <message>", no traceback
     ├ ConfigError                bad issue.toml / settings / missing secret        exit 2
     ├ SourceError                unreadable or malformed interview text            exit 2
     ├ TranslationError           model missing, engine failed                      exit 2
     │  └ ModelMissingError       no installed package for a language pair          exit 2
     ├ RenderError                template or MJML failure                          exit 1
     ├ CheckError                 a rendered email fails a QA check                 exit 2
     ├ SendRefused                send refuses a language (checks, review, ...)     exit 2
     ├ Busy                       another run holds the issue's lock                exit 2
     ├ StorageError               the OS refused a file operation (permission       exit 2
     │                            denied, disk full, a folder where a file should be)
     └ RemoteError                a remote service failed (mailing provider,        exit 1
        │                         LibreTranslate, package index); see pipeline.http
        ├ TransientError          5xx, timeouts, dropped connections: an idempotent
        │  │                      request may be repeated (after a look-up otherwise)
        │  └ RateLimited          429: refused before processing, always repeatable
        ├ Rejected                other 4xx: the request is wrong, retrying will    exit 2
        │                         not help (``status``: 404 means "no such thing")
        └ UnexpectedAnswer        a 2xx answer the code cannot read (not JSON, a    exit 2
                                  wrong shape): the remote state is unknown, stop

``exit_code`` on the class is what the command line exits with. The HTTP boundary
(:mod:`pipeline.http`) is the one place that maps HTTP failures into this tree.
"""

from __future__ import annotations


class PipelineError(Exception):
    """A failure the user can act on; the message names the thing and the fix."""

    exit_code = 1

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])


class ConfigError(PipelineError):
    """issue.toml, glossary.toml, settings or a secret is wrong or missing."""

    exit_code = 2


class SourceError(PipelineError):
    """The interview text cannot be read or parsed (names file and line)."""

    exit_code = 2


class TranslationError(PipelineError):
    """A translation engine failed or is unusable for a language."""

    exit_code = 2


class ModelMissingError(TranslationError):
    """No installed argos package for the language pair."""


class RenderError(PipelineError):
    """A template or MJML failure while rendering one language."""


class CheckError(PipelineError):
    """A rendered email failed a QA check that blocks the build or the send."""

    exit_code = 2


class SendRefused(PipelineError):
    """The send stage refuses to push a language (failed checks, unreviewed text, ...)."""

    exit_code = 2


class Busy(PipelineError):
    """Another run of the same command on the same issue holds its lock (names the holder)."""

    exit_code = 2


class StorageError(PipelineError):
    """A file could not be read or written for a reason the user fixes (names path and fix)."""

    exit_code = 2


class RemoteError(PipelineError):
    """A remote service (mailing provider, LibreTranslate, package index) failed."""


class TransientError(RemoteError):
    """5xx, timeouts and dropped connections: repeat an idempotent request; reconcile others."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, details: list[str] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class RateLimited(TransientError):
    """HTTP 429: the service refused the request before processing it."""


class Rejected(RemoteError):
    """A 4xx other than 429: the request is wrong and repeating it will not help."""

    exit_code = 2

    def __init__(
        self, message: str, *, status: int | None = None, details: list[str] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.status = status


class UnexpectedAnswer(RemoteError):
    """A successful answer that is not what the API promises: the remote state is unknown."""

    exit_code = 2
