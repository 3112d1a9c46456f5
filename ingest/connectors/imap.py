"""IMAP mailboxes (a shared mailbox, a mailing-list archive), mirrored as .eml files.

Per folder the cursor is the server's UIDVALIDITY and the highest UID fetched. A sync lists
the folder's UIDs (``UID SEARCH ALL``): messages above the cursor are fetched (``BODY.PEEK[]``,
so nothing is marked read) and written as ``UID.eml`` under the source's mirror folder;
mirrored messages whose UID the server no longer lists were deleted there and are removed.
A changed UIDVALIDITY means the server renumbered the folder: its mirror is fetched anew.
The mirror is a mail folder, so the mail reader threads its messages as it does any other.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import shutil
from pathlib import Path

from ingest.connectors.config import SourceConfig
from ingest.connectors.pulled import Pulled
from search.store.files import replace_file

FETCH_BATCH = 100
_UID = re.compile(rb"UID (\d+)")


def _folder_dir(mirror: Path, folder: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", folder).strip("._") or "folder"
    return mirror / safe


def _connect(config: SourceConfig) -> imaplib.IMAP4:
    host = config.options["host"]
    use_ssl = str(config.options.get("ssl", "false")).lower() in ("1", "true", "yes")
    port = int(config.options.get("port", 993 if use_ssl else 143))
    password = config.secret("password") or ""  # a missing secret is said before connecting
    kind = imaplib.IMAP4_SSL if use_ssl else imaplib.IMAP4
    imap = kind(host, port, timeout=60)
    imap.login(config.options["user"], password)
    return imap


def _check(result: tuple[str, list], what: str) -> list:
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what}: {status} {data!r}")
    return data


def _sync_folder(
    imap: imaplib.IMAP4, folder: str, local: Path, cursor: dict
) -> tuple[dict, int, int]:
    """Mirror one folder; its new cursor, messages fetched and messages removed."""
    _check(imap.select(f'"{folder}"', readonly=True), f"SELECT {folder}")
    validity = int(imap.response("UIDVALIDITY")[1][0])
    last = int(cursor.get("last_uid", 0))
    if cursor.get("uidvalidity") != validity:
        shutil.rmtree(local, ignore_errors=True)
        last = 0
    local.mkdir(parents=True, exist_ok=True)
    listed = _check(imap.uid("SEARCH", None, "ALL"), f"UID SEARCH {folder}")
    on_server = {int(u) for u in (listed[0] or b"").split()}
    deleted = 0
    for path in local.glob("*.eml"):
        if path.stem.isdigit() and int(path.stem) not in on_server:
            path.unlink()
            deleted += 1
    new = sorted(u for u in on_server if u > last or not (local / f"{u}.eml").exists())
    for start in range(0, len(new), FETCH_BATCH):
        batch = ",".join(str(u) for u in new[start : start + FETCH_BATCH])
        for part in _check(imap.uid("FETCH", batch, "(UID BODY.PEEK[])"), f"UID FETCH {folder}"):
            if isinstance(part, tuple) and (found := _UID.search(part[0])):
                replace_file(local / f"{int(found.group(1))}.eml", part[1])
    top = max([last, *on_server]) if on_server else last
    return {"uidvalidity": validity, "last_uid": top}, len(new), deleted


def pull(config: SourceConfig, mirror: Path, cursor: dict) -> Pulled:
    folders = config.options.get("folders") or ["INBOX"]
    folders = [folders] if isinstance(folders, str) else list(folders)
    added = deleted = 0
    state: dict = {}
    imap = _connect(config)
    try:
        for folder in folders:
            state[folder], new, gone = _sync_folder(
                imap, folder, _folder_dir(mirror, folder), cursor.get(folder, {})
            )
            added += new
            deleted += gone
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
    paths = [_folder_dir(mirror, f) for f in folders]
    return Pulled(paths=paths, cursor=state, added=added, changed=0, deleted=deleted)
