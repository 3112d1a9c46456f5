"""A throwaway Dovecot IMAP server for the IMAP source's tests and benchmark, and mail."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import free_port

DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@contextmanager
def dovecot_server() -> Iterator[int]:
    """A throwaway Dovecot IMAP server on a loopback port: user support, password secret.
    Its folder is outside pytest's (private) temporary tree: Dovecot's own users read it."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if os.geteuid() != 0:  # it drops privileges to its own users, as packaged
        pytest.skip("the IMAP tests start Dovecot as root (as CI runs them)")
    if not Path(binary).exists():
        raise RuntimeError(
            "the IMAP tests need Dovecot: apt-get install dovecot-imapd (make packages)"
        )
    root = Path(tempfile.mkdtemp(prefix="wc-dovecot-"))
    root.chmod(0o755)
    (root / "mail").mkdir(parents=True)
    shutil.chown(root / "mail", "nobody", "nogroup")
    (root / "passwd").write_text("support:{PLAIN}secret\n")
    port = free_port()
    (root / "dovecot.conf").write_text(DOVECOT_CONF.format(root=root, port=port))
    process = subprocess.Popen([binary, "-F", "-c", str(root / "dovecot.conf")])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "no Dovecot"
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def mail(subject: str, body: str, message_id: str, reply_to: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Priya Raman <priya@corp.example>"
    message["To"] = "support@corp.example"
    message["Subject"] = subject
    message["Date"] = "Tue, 04 Mar 2025 10:00:00 +0000"
    message["Message-ID"] = message_id
    if reply_to:
        message["In-Reply-To"] = reply_to
    message.set_content(body)
    return message.as_bytes()


def mailbox(port: int):

    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login("support", "secret")
    imap.select("INBOX")
    return imap
