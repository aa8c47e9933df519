"""Translation memory: keys, normalisation, concurrent writers, and a damaged database."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from pipeline.errors import TranslationError
from pipeline.store import cache_dir
from pipeline.translate.memory import FILE_NAME, MemoryKey, TranslationMemory

KEY = MemoryKey("argos", "translate-en_de 1.0", "en", "de")


def test_lookups_are_by_engine_model_pair_and_normalised_source(tmp_path: Path) -> None:
    memory = TranslationMemory(tmp_path / FILE_NAME)
    memory.put_many(KEY, {"Hello   world.": "Hallo Welt."})
    assert memory.get_many(KEY, ["Hello world.", " Hello\nworld. ", "Other."]) == {
        "Hello world.": "Hallo Welt.",
        " Hello\nworld. ": "Hallo Welt.",
    }
    for other in (
        MemoryKey("argos", "translate-en_de 1.1", "en", "de"),  # new model version: a miss
        MemoryKey("libretranslate", "translate-en_de 1.0", "en", "de"),
        MemoryKey("argos", "translate-en_de 1.0", "en", "fr"),
    ):
        assert memory.get_many(other, ["Hello world."]) == {}


def test_cache_dir_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSLETTER_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    assert TranslationMemory().path == tmp_path / "c" / FILE_NAME
    monkeypatch.delenv("NEWSLETTER_CACHE_DIR")
    assert cache_dir().name == "newsletter"


def _writer(path: str, worker: int, batches: int) -> None:
    memory = TranslationMemory(Path(path))
    for b in range(batches):
        memory.put_many(KEY, {f"w{worker} b{b} s{i}": f"t{worker}.{b}.{i}" for i in range(20)})


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    with TranslationMemory(path) as memory:  # create it first, as a build would
        memory.count()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(path), w, 40)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    memory = TranslationMemory(path)
    assert memory.count() == 2 * 40 * 20
    assert memory.get_many(KEY, ["w1 b39 s19"]) == {"w1 b39 s19": "t1.39.19"}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_threads_share_one_memory(tmp_path: Path) -> None:
    memory = TranslationMemory(tmp_path / FILE_NAME)

    def write(worker: int) -> None:
        for i in range(50):
            memory.put_many(KEY, {f"t{worker} {i}": str(i)})

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert memory.count() == 200


def test_garbage_file_is_moved_aside_and_rebuilt_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(b"this is not SQLite at all\x00\xff" * 200)
    warnings: list[str] = []
    memory = TranslationMemory(path, warn=warnings.append)
    assert memory.get_many(KEY, ["Hello."]) == {}  # never wrong output: an empty memory
    memory.put_many(KEY, {"Hello.": "Hallo."})
    assert memory.get_many(KEY, ["Hello."]) == {"Hello.": "Hallo."}
    assert len(warnings) == 1 and "damaged" in warnings[0] and str(path) in warnings[0]
    assert (tmp_path / f"{FILE_NAME}.damaged-1").read_bytes().startswith(b"this is not")


def test_damaged_pages_are_detected(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    memory = TranslationMemory(path)
    memory.put_many(KEY, {f"sentence {i} " + "x" * 200: f"Satz {i}" for i in range(300)})
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[2 * page : 6 * page] = b"\xde\xad\xbe\xef" * page  # trash pages after the header
    path.write_bytes(bytes(raw))
    warnings: list[str] = []
    fresh = TranslationMemory(path, warn=warnings.append)
    assert fresh.get_many(KEY, ["sentence 1 " + "x" * 200]) == {}
    assert warnings and "damaged" in warnings[0]


def test_a_memory_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "is-a-file"
    folder.write_text("x")
    with pytest.raises(TranslationError, match="NEWSLETTER_CACHE_DIR"):
        TranslationMemory(folder / FILE_NAME).count()
