"""Git repositories of notes, memos, ADRs or RFCs: a path or URL that git can clone.

The source's mirror is a checkout kept at the branch's tip (``fetch`` then ``reset
--hard``); the cursor is the commit ingested last, and ``git diff --name-status`` between
it and the new tip counts the files added, changed, renamed and deleted. The checkout is
ingested like a folder, so a file deleted in a commit disappears from search; each file's
time is set to its last commit's, so a document that states no date is dated by its
history, and the authors of its commits are people of the document.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ingest.connectors.config import SourceConfig
from ingest.connectors.pulled import Pulled
from ingest.records import Identity


class GitError(RuntimeError):
    """git failed; the message is git's own."""


def _git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    if done.returncode != 0:
        raise GitError(f"git {args[0]}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def _read_history(checkout: Path) -> dict[Path, list[Identity]]:
    """Give every file the time of the last commit that touched it, so that a document
    carrying no date of its own is dated by its history, not by the checkout; and return
    each file's commit authors, latest first."""
    log = _git("log", "--format=@%ct%x09%an%x09%ae", "--name-only", "--no-renames", cwd=checkout)
    authors: dict[Path, list[Identity]] = {}
    when, author = 0, Identity("")
    for line in log.splitlines():
        if line.startswith("@"):
            stamp, name, email = line[1:].split("\t")
            when, author = int(stamp), Identity(name, email=email or None)
        elif line:
            path = (checkout / line).resolve()
            if path not in authors:
                authors[path] = []
                if path.is_file():
                    os.utime(path, (when, when))
            if author not in authors[path]:
                authors[path].append(author)
    return authors


def pull(config: SourceConfig, mirror: Path, cursor: dict) -> Pulled:
    url = config.options["url"]
    branch = config.options.get("branch")
    checkout = mirror / "checkout"
    if not (checkout / ".git").is_dir():
        mirror.mkdir(parents=True, exist_ok=True)
        _git("clone", "--quiet", *(["--branch", branch] if branch else []), url, str(checkout))
    else:
        _git("fetch", "--quiet", "origin", cwd=checkout)
        tip = f"origin/{branch}" if branch else "origin/HEAD"
        _git("reset", "--quiet", "--hard", tip, cwd=checkout)
    head = _git("rev-parse", "HEAD", cwd=checkout).strip()
    history = _read_history(checkout)
    added = changed = deleted = 0
    previous = cursor.get("commit")
    if previous and previous != head:
        try:
            status = _git("diff", "--name-status", "-M", previous, head, cwd=checkout)
        except GitError:  # history rewritten: the ledger still finds what changed
            status = ""
        for line in status.splitlines():
            code = line[:1]
            added += code in "AC"
            changed += code in "MR"
            deleted += code == "D"
    elif not previous:
        added = len(_git("ls-files", cwd=checkout).splitlines())
    return Pulled(
        paths=[checkout],
        cursor={"commit": head},
        added=added,
        changed=changed,
        deleted=deleted,
        authors=lambda path: history.get(path.resolve(), []),
    )
