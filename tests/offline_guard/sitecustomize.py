"""Run by every Python process the offline probe starts (this folder is first on its
PYTHONPATH): the probe's network block, logged to WATERCOOLER_OFFLINE_GUARD_LOG."""

from tests.offline_probe import guard_this_process

guard_this_process()
