"""Resumable downloads (pipeline/download.py): atomic, resumed with Range where the server
allows it, started over where it does not.

The fake file server is an httpx.MockTransport handler that honours ``Range`` like a CDN
(206 + Content-Range) and cuts bodies off on a seeded random schedule; one test runs against
Python's real http.server on loopback, which ignores ``Range`` (200), as some hosts do.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipeline.download import download_file
from pipeline.errors import Rejected, TransientError
from pipeline.http import Service, make_client
from pipeline.pacing import RetryPolicy
from tests.support.index_server import IndexServer
from tests.support.send_fakebase import FakeClock

BODY = bytes(random.Random(7).randrange(256) for _ in range(50_000))


class CutStream(httpx.SyncByteStream):
    """A body that stops after ``cut`` bytes with a connection reset (None: no cut)."""

    def __init__(self, data: bytes, cut: int | None) -> None:
        self.data, self.cut = data, cut

    def __iter__(self) -> Iterator[bytes]:
        end = len(self.data) if self.cut is None else min(self.cut, len(self.data))
        for start in range(0, end, 4096):
            yield self.data[start : min(start + 4096, end)]
        if end < len(self.data):
            raise httpx.ReadError("connection reset by peer")


class FileServer:
    """Serves BODY; honours ``Range`` unless ``ranges`` is False; cuts per ``cuts``."""

    def __init__(self, cuts: list[int | None], *, ranges: bool = True) -> None:
        self.cuts, self.ranges = cuts, ranges
        self.seen: list[str | None] = []  # the Range header of every request

    def __call__(self, request: httpx.Request) -> httpx.Response:
        asked = request.headers.get("range")
        self.seen.append(asked)
        start = int(asked.removeprefix("bytes=").rstrip("-")) if asked and self.ranges else 0
        if start >= len(BODY) and asked:
            return httpx.Response(416, headers={"content-range": f"bytes */{len(BODY)}"})
        data = BODY[start:]
        cut = self.cuts.pop(0) if self.cuts else None
        headers = {"content-length": str(len(data))}
        if asked and self.ranges:
            headers["content-range"] = f"bytes {start}-{len(BODY) - 1}/{len(BODY)}"
        status = 206 if asked and self.ranges else 200
        return httpx.Response(status, headers=headers, stream=CutStream(data, cut))


def service(handler: FileServer, attempts: int = 6) -> Service:
    client = make_client(transport=httpx.MockTransport(handler))
    policy = RetryPolicy(attempts=attempts, rng=random.Random(0))
    return Service("files", client, clock=FakeClock(), policy=policy)


def test_a_cut_body_resumes_with_range_and_lands_whole(tmp_path: Path) -> None:
    server = FileServer(cuts=[20_000, 15_000])  # bytes into each answer
    target = tmp_path / "model.npz"
    assert download_file(service(server), "https://cdn.test/model.npz", target) == len(BODY)
    assert target.read_bytes() == BODY
    assert server.seen == [None, "bytes=20000-", "bytes=35000-"]
    assert not (tmp_path / "model.npz.part").exists()


@pytest.mark.parametrize("seed", range(6))
def test_random_cut_schedules_always_give_the_whole_file(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    cuts: list[int | None] = sorted(rng.sample(range(1, len(BODY)), rng.randint(1, 4)))
    # Each cut is an absolute position; the server counts from where the request starts.
    relative = [b - a for a, b in zip([0, *cuts], cuts, strict=False)]
    ranges = rng.random() < 0.7
    server = FileServer(relative if ranges else list(cuts), ranges=ranges)
    target = tmp_path / "x.bin"
    download_file(service(server, attempts=len(cuts) + 1), "https://cdn.test/x.bin", target)
    assert target.read_bytes() == BODY


def test_a_part_left_by_an_earlier_run_is_continued(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    (tmp_path / "model.npz.part").write_bytes(BODY[:30_000])
    server = FileServer(cuts=[])
    seen: list[tuple[int, int | None]] = []
    download_file(service(server), "https://cdn.test/m", target, progress=lambda *a: seen.append(a))
    assert target.read_bytes() == BODY and server.seen == ["bytes=30000-"]
    assert seen[-1] == (len(BODY), len(BODY)) and seen[0][0] > 30_000


def test_a_server_that_ignores_ranges_sends_everything_again(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    (tmp_path / "model.npz.part").write_bytes(b"stale bytes of another attempt")
    server = FileServer(cuts=[], ranges=False)
    download_file(service(server), "https://cdn.test/m", target)
    assert target.read_bytes() == BODY


def test_a_part_longer_than_the_file_starts_over(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    (tmp_path / "model.npz.part").write_bytes(BODY + b"tail")
    server = FileServer(cuts=[])
    download_file(service(server), "https://cdn.test/m", target)
    assert target.read_bytes() == BODY and server.seen == [f"bytes={len(BODY) + 4}-", None]


def test_out_of_attempts_keeps_the_part_for_the_next_run_and_no_target(tmp_path: Path) -> None:
    target = tmp_path / "model.npz"
    server = FileServer(cuts=[10_000, 10_000])
    with pytest.raises(TransientError, match="connection failed"):
        download_file(service(server, attempts=2), "https://cdn.test/m", target)
    assert not target.exists() and (tmp_path / "model.npz.part").stat().st_size == 20_000
    download_file(service(FileServer(cuts=[])), "https://cdn.test/m", target)
    assert target.read_bytes() == BODY


def test_a_missing_file_is_rejected_at_once(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="Entry not found")

    client = make_client(transport=httpx.MockTransport(handler))
    svc = Service("files", client, clock=FakeClock())
    with pytest.raises(Rejected) as info:
        download_file(svc, "https://cdn.test/gone", tmp_path / "gone")
    assert info.value.status == 404 and not list(tmp_path.iterdir())


def test_against_a_real_server_that_ignores_ranges(tmp_path: Path) -> None:
    """Python's http.server answers 200 to a Range request, as the fake does with ranges off."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "model.npz").write_bytes(BODY)
    server = IndexServer(served).start()
    try:
        target = tmp_path / "model.npz"
        (tmp_path / "model.npz.part").write_bytes(BODY[:1000])
        with make_client() as client:
            svc = Service("files", client, clock=FakeClock())
            assert download_file(svc, server.url + "model.npz", target) == len(BODY)
    finally:
        server.stop()
    assert target.read_bytes() == BODY
