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
     └ ProviderError              the mailing API failed                            exit 1
        ├ TransientProviderError  429, 5xx, timeouts: safe to retry (after a look-up)
        └ RejectedProviderError   other 4xx: retrying will not help

``exit_code`` on the class is what the command line exits with.
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


class ProviderError(PipelineError):
    """The mailing provider's API failed."""


class TransientProviderError(ProviderError):
    """429, 5xx, timeouts and dropped connections: retry, after reconciling state."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, details: list[str] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class RejectedProviderError(ProviderError):
    """A 4xx other than 429: the request is wrong and retrying will not help."""

    exit_code = 2
