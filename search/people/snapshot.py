"""Warm start: the people directory and the expert profile index, built in a child process.

Building them is seconds to minutes of pure-Python work (the directory about 1.5 s at 100k
chunks, the profile index 22 s). In a thread of the server it would hold the GIL and stretch
every search while it runs, so a server calls :func:`warm_in_background` instead, which:

1. keeps ``WATERCOOLER_HOME/people.snapshot`` when it was built for the store as it is now
   (the catalog's change marker and people.yaml's stamp, :func:`directory_key`) by the
   same code (:func:`code_stamp`: an upgrade that changes who is a person rebuilds it), as
   its header alone says: a restart of an unchanged store is warm at once;
2. else runs ``python -m search.people.snapshot`` at low priority, which builds both from
   the catalog and the vectors and writes the snapshot (a pickled header, then the
   directory, written to a temporary file and renamed into place), while the server's
   thread only waits on the process. When the profile index has many documents to
   attribute, the child saves the directory alone first, then the directory with its
   index: people can be looked up long before the index is done (at a million chunks,
   seconds against minutes);
3. has the first request that needs the directory load the snapshot (see
   :func:`search.people.directory.defer`). Loading holds the GIL, so it is not done at
   start (it once stalled every search, and the first one 4 s). Requests that come while
   the child builds wait for its first save rather than build the directory themselves,
   and ``/experts`` ranks by passages alone until the index is saved
   (:func:`search.people.experts.profiles_pending`).

The directory's numpy arrays (the expert index: most of the 1.0 GB snapshot of a million
chunks) are pickled out of band (protocol 5) and written raw after the objects;
loading maps the file and makes the arrays views of it (copy on write), so that neither
the builder nor the server copies them through pickle.

The child updates the snapshot it finds (one of the same code, built before the store last
changed) rather than starting anew: only new and changed documents are read and attributed
(see :func:`search.people.directory.build_directory` and
:class:`search.people.experts.ProfileIndex`), so a restart after an ingest is warm soon.

Several API workers (``watercooler serve --workers N``) take turns on a lock file beside the
snapshot, so one of them builds it and the others load what it wrote.

The snapshot is a cache: deleting it is always safe.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import logging
import mmap
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from search.people.directory import (
    Directory,
    build_directory,
    defer,
    directory_key,
    remember,
)
from search.people.experts import profile_index, set_profiles_pending
from search.people.people_file import load_people_config
from search.store.settings import Settings
from search.store.store import Store

logger = logging.getLogger(__name__)

SNAPSHOT = "people.snapshot"
FORMAT = 6
ALIGN = 64  # where each raw array starts in the file
STAGED = "directory saved"  # what the child prints once the directory alone is saved
# Past this many documents to attribute (about 3 s of work), the directory is saved before
# the profile index is built: saving it costs about 2 s at a million chunks.
STAGE_DOCUMENTS = 1_000
# What the child process needs of the server's settings (the rest stay its own defaults).
CHILD_SETTINGS = (
    "home",
    "database_url",
    "chroma_url",
    "collection",
    "embedding_model",
    "people_file",
)


def code_stamp() -> str:
    """A digest of the code that builds what a snapshot holds (this package's modules)."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:16]


def snapshot_path(settings: Settings) -> Path:
    return settings.home_dir / SNAPSHOT


def write_snapshot(
    store: Store, staged: Callable[[], None] | None = None, workers: int = 1
) -> Path:
    """Build the directory and its profile index for the store as it is, and save them.
    With ``staged``, when the index has many documents to attribute afresh (it is built
    anew, or updated after a large ingest: minutes at a million chunks, against seconds
    after a small one), the directory is saved alone first and ``staged`` called then:
    people can be looked up while the index is built. ``workers`` processes attribute the
    documents when there are many (see :mod:`search.people.attributed`)."""
    people_file = store.settings.people_path
    key = directory_key(store.catalog, people_file)
    previous = _saved(store)
    # What is loaded by now outlives the build: the collector's full passes need not walk
    # it (at 100k chunks they took 0.42 s of an update's 2.2 s, and 0.12 s so).
    gc.freeze()
    try:
        directory = build_directory(store.catalog, load_people_config(people_file), previous)
        if staged is not None and _long_to_index(directory, previous):
            _save(store, key, directory, complete=False)
            staged()
        profile_index(directory, store, workers)
    finally:
        gc.unfreeze()
    return _save(store, key, directory, complete=True)


def _long_to_index(directory: Directory, previous: Directory | None) -> bool:
    """Whether the profile index is built anew, or updated with more than
    :data:`STAGE_DOCUMENTS` new and changed documents to attribute."""
    if previous is None or "profile_index" not in previous.cache:
        return True
    new = directory.build_cache.versions if directory.build_cache else {}
    old = previous.build_cache.versions if previous.build_cache else {}
    changed = sum(1 for doc_id, version in new.items() if old.get(doc_id) != version)
    return changed > STAGE_DOCUMENTS


def _save(store: Store, key: tuple[Any, ...], directory: Directory, complete: bool) -> Path:
    """Write the snapshot: its header (``complete`` when the directory holds its profile
    index), then the directory (see the module docstring)."""
    path = snapshot_path(store.settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    buffers: list[pickle.PickleBuffer] = []
    body = pickle.dumps(directory, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    with partial.open("wb") as out:
        pickle.dump((FORMAT, code_stamp(), key, complete), out, protocol=5)
        pickle.dump((len(body), [raw.nbytes for raw in raws]), out, protocol=5)
        out.write(body)
        for raw in raws:
            out.write(bytes(-out.tell() % ALIGN))
            out.write(raw)
    os.replace(partial, path)
    return path


def _body(saved: Any) -> Any:
    """The directory after a snapshot's header: its objects unpickled, its arrays views of
    the file mapped copy-on-write (see the module docstring)."""
    body_length, lengths = pickle.load(saved)
    body = saved.read(body_length)
    if len(body) != body_length:
        raise EOFError("the snapshot is cut short")
    mapped = mmap.mmap(saved.fileno(), 0, access=mmap.ACCESS_COPY)
    view, at, buffers = memoryview(mapped), saved.tell(), []
    for length in lengths:
        at += -at % ALIGN
        if at + length > len(mapped):
            raise EOFError("the snapshot is cut short")
        buffers.append(view[at : at + length])
        at += length
    # Every object unpickled lives on: the collector's passes over them while they are made
    # (some 100k documents' facts at a million chunks) would find nothing, and took more
    # than half of the load at 100k chunks (0.24 s against 0.11 s without). Once the
    # directory is cached, they are set aside from its passes (search.collector.settle):
    # left young, its next passes walked them as they aged, one generation at a time (at a
    # million chunks, 0.84M objects, 300-350 ms each), in the next searches.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(body, buffers=buffers)
    finally:
        if collecting:
            gc.enable()


def _saved(store: Store) -> Directory | None:
    """The directory of the snapshot on disk if the same code built it, whatever store
    state it was built for (None when there is none): a build updates it."""
    found = _read(store, body=True, any_state=True)
    return found[1] if found is not None else None


def snapshot_is_current(store: Store) -> bool:
    """Whether the snapshot on disk was built for the store as it is now by this code, with
    its profile index (its header alone is read)."""
    return _read(store, body=False, whole=True) is not None


def read_snapshot(
    store: Store, any_state: bool = False
) -> tuple[tuple[Any, ...], Directory] | None:
    """The saved directory and its key, if it was built for the store as it is now (for any
    state of it with ``any_state``: what a build updates from)."""
    found = _read(store, body=True, any_state=any_state)
    if found is None or found[1] is None:
        return None
    key, directory = found
    index = directory.cache.get("profile_index")
    if index is not None:
        index.store = store
    return key, directory


def load_snapshot(store: Store) -> bool:
    """Put the saved directory in the cache if it was built for the store as it is now."""
    found = read_snapshot(store)
    if found is not None:
        remember(store.catalog, store.settings.people_path, *found)
    return found is not None


def _read(
    store: Store, body: bool, any_state: bool = False, whole: bool = False
) -> tuple[tuple[Any, ...], Directory | None] | None:
    """The snapshot's key and, with ``body``, its directory, when this code wrote it for
    the store as it is now (for any state of it with ``any_state``), with its profile index
    if ``whole``; None when there is no such snapshot or it cannot be read."""
    path = snapshot_path(store.settings)
    try:
        with path.open("rb") as saved:
            header = pickle.load(saved)
            if not _fits(store, header, any_state, whole):
                return None
            directory = _body(saved) if body else None
    except FileNotFoundError:
        return None
    except Exception as exc:  # a snapshot of another version, cut short: rebuild it
        logger.warning("ignoring the people snapshot %s: %s", path, exc)
        return None
    if body and not isinstance(directory, Directory):
        return None
    return header[2], directory


def _fits(store: Store, header: Any, any_state: bool, whole: bool) -> bool:
    if not isinstance(header, tuple) or len(header) != 4:
        return False
    version, code, key, complete = header
    if version != FORMAT or code != code_stamp() or (whole and not complete):
        return False
    return any_state or key == directory_key(store.catalog, store.settings.people_path)


class Warmer:
    """Warms the people directory without holding up the server (see the module docstring);
    :meth:`stop` ends the child process when the server shuts down first."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.child: subprocess.Popen[str] | None = None
        self.stopped = threading.Event()
        # set once a directory is saved for requests to load (or none will be)
        self.saved = threading.Event()
        self.thread = threading.Thread(target=self._warm, name="people-warm", daemon=True)

    def start(self) -> Warmer:
        store = self.store
        set_profiles_pending(store, True)
        defer(store.catalog, store.settings.people_path, self._first_load)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.saved.set()
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
        self.thread.join(timeout=5)

    def _first_load(self) -> tuple[tuple[Any, ...], Directory] | None:
        """What a request that needs the directory meanwhile loads: it waits until a
        directory is saved for the store as it is now (by this server's child, or another
        worker's) or the warmer is done, rather than build one itself."""
        while not self.saved.wait(0.5):
            if _read(self.store, body=False) is not None:
                break
        # one built for an earlier state of the store is updated from (see directory_for)
        return read_snapshot(self.store, any_state=True)

    def _warm(self) -> None:
        lock = snapshot_path(self.store.settings).with_suffix(".lock")
        try:
            lock.parent.mkdir(parents=True, exist_ok=True)  # server mode keeps nothing else here
            with lock.open("a") as held:
                fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes
                self._build_or_load()
        except Exception as exc:  # a store closed at shutdown
            logger.warning("people directory not built at start: %s", exc)
        finally:
            self.saved.set()
            set_profiles_pending(self.store, False)

    def _build_or_load(self) -> None:
        if self.stopped.is_set() or self.store.catalog.is_empty():
            return
        if not snapshot_is_current(self.store):
            settings = self.store.settings.model_dump(mode="json", include=set(CHILD_SETTINGS))
            with tempfile.TemporaryFile("w+") as errors:
                self.child = subprocess.Popen(
                    [sys.executable, "-m", "search.people.snapshot", json.dumps(settings)],
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                )
                with self.child as child:  # closes its output
                    assert child.stdout is not None
                    for line in child.stdout:
                        if line.strip() == STAGED:
                            self.saved.set()
                errors.seek(0)
                failure = errors.read()[-2000:]
            if self.stopped.is_set():
                return
            if self.child.returncode != 0:
                logger.warning("people directory not built at start: %s", failure)
                return
            if not snapshot_is_current(self.store):
                logger.info("the store changed while the people directory was built")
        # before profiles stop being pending: a request that then finds them done finds
        # this load too, rather than build the index itself
        store = self.store
        defer(
            store.catalog,
            store.settings.people_path,
            lambda: read_snapshot(store, any_state=True),
        )


def warm_in_background(store: Store) -> Warmer:
    """Start warming the people directory (see the module docstring)."""
    return Warmer(store).start()


def _child(argv: list[str]) -> int:
    """``python -m search.people.snapshot SETTINGS_JSON``: build and save, at low priority
    (printing :data:`STAGED` once the directory alone is saved)."""
    os.nice(10)
    overrides: dict[str, Any] = json.loads(argv[0]) if argv else {}
    store = Store.open(Settings(**{k: v for k, v in overrides.items() if v is not None}))
    try:
        # this process runs nothing else: it may fork a worker per core it may use
        workers = len(os.sched_getaffinity(0))
        write_snapshot(store, staged=lambda: print(STAGED, flush=True), workers=workers)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
