"""Who may write the store: a running server, or command-line writers taking turns.

Chroma's embedded store (a PersistentClient) cannot be written from two processes: the
other process's index does not see the new vectors and queries fail. So while
``watercooler serve`` has the embedded store open it holds an exclusive :func:`fcntl.flock`
on ``WATERCOOLER_HOME/serve.lock`` (:func:`serving`), and a command that writes the store
(ingest, forget, reindex, restore, check --repair) takes a shared lock on it without
waiting: when a server holds it the command is refused at once (:class:`StoreBusy`), before
anything is opened. Writing commands then take turns on ``write.lock`` (:func:`writing`):
a second one waits for the first to finish. The kernel drops a lock when its process
exits, however it dies, so a killed server or ingest never leaves the store locked.

With a Chroma server (``WATERCOOLER_CHROMA_URL``) the vectors may be written from several
processes at once and the catalog takes concurrent writers (SQLite in WAL mode, whose
writers wait for each other up to sqlite3's 5 s busy timeout, or PostgreSQL), so nothing
is locked here: the server and any number of commands write at once.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from search.store.settings import Settings

SERVE_LOCK = "serve.lock"
WRITE_LOCK = "write.lock"


class StoreBusy(RuntimeError):
    """Another process holds the store: a server, or a command writing it."""


# The serve locks this process holds: a path -> [descriptor, holders] (serving is re-entrant
# so that `watercooler serve` can take it before the app's lifespan takes it again).
_serving: dict[Path, list[int]] = {}
_serving_guard = threading.Lock()


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _say_who(fd: int, who: str) -> None:
    """Write who holds the lock into its file (read only to name the holder)."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, who.encode(), 0)


def holder(path: Path) -> str:
    """Who last took the lock at ``path``, as written there."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def serving(settings: Settings, address: str | None = None) -> Iterator[None]:
    """Hold the embedded store for a server at ``address`` while the block runs; raise
    :class:`StoreBusy` when another server or a writing command holds it. Nothing is locked
    with a Chroma server."""
    if settings.chroma_url:
        yield
        return
    path = settings.home_dir / SERVE_LOCK
    with _serving_guard:
        held = _serving.get(path)
        if held is None:
            fd = _open(path)
            if not _try_lock(fd, fcntl.LOCK_EX):
                os.close(fd)
                raise StoreBusy(_busy_for_server(settings))
            where = f", {address}" if address else ""
            _say_who(fd, f"watercooler serve (pid {os.getpid()}{where})")
            held = _serving[path] = [fd, 0]
        held[1] += 1
    try:
        yield
    finally:
        with _serving_guard:
            held[1] -= 1
            if held[1] == 0:
                del _serving[path]
                os.close(held[0])  # closing the descriptor drops the lock


@contextmanager
def writing(
    settings: Settings, command: str, waiting: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the embedded store for the writing ``command`` while the block runs: refused
    at once (:class:`StoreBusy`) while a server has it open; after any other writing
    command has finished (``waiting`` is told who it waits for). Nothing is locked with a
    Chroma server."""
    if settings.chroma_url:
        yield
        return
    home = settings.home_dir
    serve_fd = _open(home / SERVE_LOCK)
    write_fd = None
    try:
        if not _try_lock(serve_fd, fcntl.LOCK_SH):
            raise StoreBusy(_busy_for_command(settings, command))
        write_fd = _open(home / WRITE_LOCK)
        if not _try_lock(write_fd, fcntl.LOCK_EX):
            if waiting is not None:
                waiting(holder(home / WRITE_LOCK) or "another command")
            fcntl.flock(write_fd, fcntl.LOCK_EX)
        _say_who(write_fd, f"watercooler {command} (pid {os.getpid()})")
        yield
    finally:
        if write_fd is not None:
            os.close(write_fd)
        os.close(serve_fd)


def _busy_for_command(settings: Settings, command: str) -> str:
    server = holder(settings.home_dir / SERVE_LOCK) or "watercooler serve"
    address = re.search(r"https?://[^\s,)]+", server)
    url = address.group(0) if address else "http://HOST:PORT"
    return (
        f"{server} has the embedded store at {settings.home_dir} open, and the embedded "
        f"Chroma store cannot be written from a second process: `watercooler {command}` "
        "did not run and nothing was changed. Upload files to the running server instead "
        "(POST /ingest as an admin: curl --data-binary @export.zip "
        f"'{url}/ingest?filename=export.zip'), stop the server first, or run a "
        "Chroma server (WATERCOOLER_CHROMA_URL) to write from several processes. Reading "
        "commands (search, ask, experts, status, check, backup) work while it runs."
    )


def _busy_for_server(settings: Settings) -> str:
    home = settings.home_dir
    fd = _open(home / SERVE_LOCK)
    try:
        writers = _try_lock(fd, fcntl.LOCK_SH)  # shared: commands hold it, not a server
    finally:
        os.close(fd)
    if writers:
        who = holder(home / WRITE_LOCK) or "a writing command"
        then = "when it has finished"
    else:
        who = holder(home / SERVE_LOCK) or "another watercooler serve"
        then = "after stopping it, or give this one another WATERCOOLER_HOME"
    return f"{who} is using the embedded store at {home}: start the server {then}."
