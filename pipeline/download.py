"""Resumable file downloads over the HTTP boundary (:mod:`pipeline.http`).

:func:`download_file` streams a file into place atomically: the bytes go to ``<name>.part``
and are renamed only when all of them arrived. A body cut off midway, or a ``.part`` left by an
interrupted earlier run, continues with ``Range: bytes=N-`` when the server honours it (206)
and starts over when it does not (200). Model packages are large (argos ~90 MB, Marian
checkpoints ~300 MB), so a dropped connection near the end should not cost the whole file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import Rejected, TransientError
from pipeline.http import Download, Service
from pipeline.pacing import duration

Progress = Callable[[int, int | None], None]  # (bytes on disk, expected total or None)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")


def download_file(
    service: Service, url: str, target: Path, *, progress: Progress | None = None
) -> int:
    """GET ``url`` into ``target`` atomically, resuming where the bytes stopped; its size.

    The bytes go to ``target.part`` and are renamed into place only when as many arrived as
    the server announced. A body cut off midway is requested again from where it stopped
    (``Range: bytes=N-``), as is a ``.part`` left by an interrupted earlier run; a server that
    answers 206 continues the part, one that ignores ranges (200) sends everything again and
    the part starts over. Failures before the body are the service's to retry; failures in the
    body are retried here, by the same policy.
    """
    part = target.with_name(target.name + ".part")
    policy = service.policy
    for attempt in range(1, policy.attempts + 1):
        try:
            size = _fetch_part(service, url, part, progress)
        except TransientError as err:
            if attempt == policy.attempts:
                raise
            wait = policy.wait(err, attempt)
            tries = f"{attempt}/{policy.attempts}"
            service.log(f"{err.message}; resuming in {duration(wait)} ({tries})")
            service.clock.sleep(wait)
            continue
        os.replace(part, target)
        return size
    raise AssertionError("unreachable")  # pragma: no cover


def _fetch_part(service: Service, url: str, part: Path, progress: Progress | None) -> int:
    """One request: continue (or restart) ``part``; its complete size, else TransientError."""
    have = part.stat().st_size if part.is_file() else 0
    headers = {"accept-encoding": "identity"} | ({"range": f"bytes={have}-"} if have else {})
    try:
        with service.stream(url, headers) as download:
            offset, total = _resume_point(download, part, have)
            with part.open("r+b" if offset else "wb") as out:
                out.seek(offset)
                out.truncate()
                for chunk in download.chunks():
                    out.write(chunk)
                    offset += len(chunk)
                    if progress:
                        progress(offset, total)
    except Rejected as err:
        if err.status != 416 or not have:
            raise
        part.unlink()  # 416: the part is not a prefix of this file; start over
        raise TransientError(f"{err.message} (for the {have} bytes on disk)") from None
    if total is not None and offset != total:
        raise TransientError(f"{service.name}: GET {url} ended after {offset} of {total} bytes")
    return offset


def _resume_point(download: Download, part: Path, have: int) -> tuple[int, int | None]:
    """(where the body starts in the file, the file's whole size if known)."""
    response = download.response
    if response.status_code != 206:
        return 0, download.total  # the whole file again: the part starts over
    match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
    if match is None or int(match.group(1)) != have:
        part.unlink()
        raise TransientError(
            f"{download.service.name}: {download.what} answered a range that does not continue "
            f"the {have} bytes on disk; starting over"
        )
    return have, None if match.group(2) == "*" else int(match.group(2))
