"""Python's cycle collector in a long-running server: what lives on is set aside.

A server holds a few million long-lived objects (the modules and model it loaded, the people
directory: 0.84M objects at a million chunks), and the collector's full passes walked them
all, in whichever request came next: 50-120 ms at ten thousand chunks, hundreds at a
million. They are moved out of its sight (:func:`gc.freeze`) once loaded: at the end of
a server's start (``api.app``), and by :func:`settle` each time the people directory is
cached; its later passes walk only what requests made since.
"""

from __future__ import annotations

import gc
import threading

_SETTLING = threading.Lock()


def settle() -> None:
    """Collect what is garbage now, then freeze everything left: call it once long-lived
    state is loaded or replaced (the people directory). What was frozen before is collected
    again first, so that state dropped since (a replaced directory, whose objects hold
    cycles) is freed rather than kept frozen."""
    with _SETTLING:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
