"""From a change at the source to search: folder, IMAP and git sources under `serve`.

    .venv/bin/python benchmarks/live_capture.py [--rounds 5] [--every 10]

Starts a throwaway Dovecot (tests/imap_server.py), a bare git repository and a notes
folder, adds them as sources (IMAP and git synced every ``--every`` seconds; the folder on
every change, through watchfiles, with a 5-minute schedule behind it), and serves the
store with ``watercooler serve`` in a subprocess. Each round adds one item per source
carrying a word of its own (a mail, a committed file, a file), times until ``/search``
finds that word, then deletes the item and times until it is gone. Prints per source the
seconds to searchable and to gone (median and worst) and the items synced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from tests.conftest import free_port  # noqa: E402
from tests.imap_server import dovecot_server, mail, mailbox  # noqa: E402

NOTE = "# {title}\n\nAttendees: Priya Raman\nDate: 2025-03-04\n\n{body}\n"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dana Whitfield",
    "GIT_AUTHOR_EMAIL": "dana@corp.example",
    "GIT_COMMITTER_NAME": "Dana Whitfield",
    "GIT_COMMITTER_EMAIL": "dana@corp.example",
}


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, check=True,
                   capture_output=True)  # fmt: skip


def searchable(url: str, word: str) -> bool:
    hits = httpx.get(f"{url}/search", params={"q": word, "k": 3}, timeout=60).json()["hits"]
    return any(word in (h["snippet"] + h["title"]).lower() for h in hits)


def wait(url: str, word: str, present: bool, limit: float = 600) -> float:
    started = time.monotonic()
    while searchable(url, word) != present:
        if time.monotonic() - started > limit:
            return float("inf")
        time.sleep(0.25)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--every", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, dovecot_server() as imap_port:
        tmp = Path(tmp_name)
        home, notes, bare, work = tmp / "home", tmp / "notes", tmp / "adrs.git", tmp / "work"
        notes.mkdir()
        (notes / "seed.md").write_text(NOTE.format(title="Seed", body="Nothing yet."))
        run("git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        run("git", "clone", "--quiet", str(bare), str(work))
        (work / "seed.md").write_text(NOTE.format(title="ADR seed", body="Nothing yet."))
        run("git", "add", ".", cwd=work)
        run("git", "commit", "--quiet", "-m", "seed", cwd=work, env=GIT_ENV)
        run("git", "push", "--quiet", "origin", "HEAD:main", cwd=work)
        box = mailbox(imap_port)
        box.append("INBOX", None, None, mail("Seed", "Nothing yet.", "<seed@corp>"))
        env = {**os.environ, "WATERCOOLER_HOME": str(home), "WC_IMAP_PASSWORD": "secret"}
        cli = [sys.executable, "-m", "api.cli"]
        every = str(args.every)
        for add in (
            ["folder", "notes", "--path", str(notes), "--every", "300"],
            ["git", "adrs", "--url", str(bare), "--every", every],
            ["imap", "support", "--host", "127.0.0.1", "--port", str(imap_port), "--user",
             "support", "--password-env", "WC_IMAP_PASSWORD", "--every", every],
        ):  # fmt: skip
            subprocess.run([*cli, "sources", "add", *add], env=env, cwd=REPO, check=True)
        subprocess.run([*cli, "sources", "sync"], env=env, cwd=REPO, check=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, cwd=REPO)
        times: dict[str, dict[str, list[float]]] = {
            s: {"add": [], "delete": []} for s in ("folder", "git", "imap")
        }
        try:
            while True:
                try:
                    httpx.get(f"{url}/healthz", timeout=2).raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.5)
            time.sleep(5)  # the schedule's first round: watchers up, first syncs done
            for n in range(args.rounds):
                words = {s: f"zq{s}{n}marker" for s in times}
                path = notes / f"round{n}.md"
                path.write_text(NOTE.format(title=f"Round {n}", body=words["folder"]))
                times["folder"]["add"].append(wait(url, words["folder"], True))
                path.unlink()
                times["folder"]["delete"].append(wait(url, words["folder"], False))

                (work / f"round{n}.md").write_text(NOTE.format(title=f"ADR {n}", body=words["git"]))
                run("git", "add", ".", cwd=work)
                run("git", "commit", "--quiet", "-m", f"round {n}", cwd=work, env=GIT_ENV)
                run("git", "push", "--quiet", "origin", "HEAD:main", cwd=work)
                times["git"]["add"].append(wait(url, words["git"], True))
                run("git", "rm", "--quiet", f"round{n}.md", cwd=work)
                run("git", "commit", "--quiet", "-m", f"drop {n}", cwd=work, env=GIT_ENV)
                run("git", "push", "--quiet", "origin", "HEAD:main", cwd=work)
                times["git"]["delete"].append(wait(url, words["git"], False))

                box = mailbox(imap_port)
                box.append("INBOX", None, None, mail(f"Round {n}", words["imap"], f"<r{n}@corp>"))
                times["imap"]["add"].append(wait(url, words["imap"], True))
                _, found = box.search(None, "HEADER", "Message-ID", f"<r{n}@corp>")
                box.store(found[0].decode().split()[0], "+FLAGS", "\\Deleted")
                box.expunge()
                box.logout()
                times["imap"]["delete"].append(wait(url, words["imap"], False))
            status = httpx.get(f"{url}/status", timeout=60).json()["live_sources"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    synced = {s["kind"]: s["sync"] for s in status}
    print(f"Seconds from a change at the source to search ({args.rounds} rounds; IMAP and git")
    print(f"synced every {args.every:g} s, the folder on change):")
    print(f"  {'source':8s} {'add p50':>8s} {'add max':>8s} {'del p50':>8s} {'del max':>8s} syncs")
    for source, measured in times.items():
        add, gone = measured["add"], measured["delete"]
        print(
            f"  {source:8s} {statistics.median(add):8.1f} {max(add):8.1f} "
            f"{statistics.median(gone):8.1f} {max(gone):8.1f} {synced[source]['syncs']:5d}"
        )


if __name__ == "__main__":
    main()
