"""Process-wide switches that keep every library off the network.

Imported first by each top-level package, before any of the libraries it
configures: huggingface_hub, transformers, chromadb and unstructured read these at
import time. Values already set by the user are respected.
"""

from __future__ import annotations

import os

OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def go_offline() -> None:
    """Set the environment variables that turn off hub calls, telemetry and downloads."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


go_offline()
