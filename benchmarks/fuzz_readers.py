"""Fuzz every reader with mutated bytes, for a bounded time.

    .venv/bin/python benchmarks/fuzz_readers.py [--seconds 120] [--seed 1] [--case-timeout 10]
                                                [--only READER] [--keep DIR]

Seeds are small valid examples of each format (built here, and from api/sample_org).
Each case mutates one seed (bit flips, byte runs, cuts, splices, deep brackets, NULs,
stray bytes, huge numbers and dates) with a seeded RNG, writes it under its format's file
name, and runs what ingest runs on it: every reader's ``detect`` through
``ingest.sources.reader_for``, then the seed's reader's ``read`` (even when nothing detects
the file), ``bounded`` and what the pipeline computes from a record (doc id, content hash,
UTF-8 encoding of every text). ``ReadError`` is the readers' clear "skipped"; anything else
raised, and any case slower than ``--case-timeout``, is a finding. Prints what ran (readers,
seeds, cases, seconds) and every finding with the seed and case number that reproduce it;
``--keep DIR`` saves the inputs that failed. Exit status 1 when something was found.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.records import ReadError, Record  # noqa: E402
from ingest.sources import bounded, reader_for, readers  # noqa: E402

SAMPLE_ORG = REPO / "api" / "sample_org"

# Tokens that readers split, parse or count on, spliced into the seeds.
TOKENS = [
    b"[" * 3000, b"{" * 3000, b'"', b"\\", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3",
    b"\ud800", b'"\\ud800"', b"\r", b"\n\n", b"\r\n", b"-->", b"00:00:00.000 --> 99:99:99.999",
    b"From ", b"\nFrom x@y Thu Jan  1 00:00:00 1970\n", b"Date: Fri, 31 Dec 9999 23:59:59 -1200",
    b"0000-00-00", b"9999-12-31T23:59:59-12:00", b"-62135596801", b"1e309", b"NaN", b"-0",
    b"99999999999999999999999999", b"null", b"[]", b"{}", b"true", b"=?utf-8?b?!!?=",
    b"Content-Transfer-Encoding: base64\n\n", b"---\n", b"```", b"<v >", b"<", b">", b"|",
    b"\t", b"#" * 200, b"*" * 500, b"<@U0>", b"<#C0|>", b":skin-tone-99:", b"\x1b[31m",
    b"Title:", b"Attendees:", b"%PDF-1.4", b"PK\x03\x04", b"<html><body>" * 50,
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Seed:
    reader: str  # the reader module's NAME
    name: str  # file name, whose suffix picks the format
    data: bytes
    folder: dict[str, bytes] | None = None  # other files of a folder source (Slack export)


def seeds() -> list[Seed]:
    """Small valid examples, one or more per reader."""
    found = [
        Seed("discord", "Acme - general [100].json", _discord()),
        Seed("teams", "messages.json", _teams()),
        Seed("chatfile", "chat.jsonl", _jsonl()),
        Seed("chatfile", "chat.csv", b"timestamp,author,text,thread\n"
             b"2025-03-05T14:02:00Z,Priya,Cutover moves to April 26.,c1\n"
             b'1741183520,Felix,"I\'ll update the runbook, ok?",c1\n'),
        Seed("chatlog", "irc.log", b"[12:01] <alice> the deploy is at noon\n"
             b"[12:02] <@bob> ok, I will watch the graphs\n[12:03] <alice> thanks bob\n"),
        Seed("notes", "2025-03-04-sync.md", b"---\ntitle: Platform weekly\ndate: 2025-03-04\n"
             b"attendees: [Priya Shah, Tom Berg]\n---\n# Platform weekly\n\n## Postgres\n"
             b"Priya: dual writes ran a week.\n\n* [ ] Tom to move on-call\n"),
        Seed("notes", "memo.rst", b"Travel policy\n=============\n\n:Author: Ann Lee\n"
             b":Date: 2025-01-02\n\nSection\n-------\n\nEconomy class under six hours.\n"),
        Seed("notes", "pep.txt", b"PEP: 8\nTitle: Style Guide\nAuthor: Guido\n"
             b"Created: 05-Jul-2001\n\nIntroduction\n============\n\nThis document gives.\n"),
        Seed("transcripts", "call.srt", b"1\n00:00:01,000 --> 00:00:04,000\nAnn: We ship.\n\n"
             b"2\n00:00:04,500 --> 00:00:06,000\nBob: Monday.\n"),
        Seed("office", "memo.html", b"<html><head><meta charset='utf-8'><title>Incident</title>"
             b"</head><body><h1>Incident review</h1><p>The pager fired at 02:00.</p>"
             b"<h2>Actions</h2><ul><li>Ann: add alerts</li></ul></body></html>"),
    ]  # fmt: skip
    found += [Seed("office", "memo.docx", _docx()), Seed("office", "memo.pdf", _pdf())]
    mbox = (SAMPLE_ORG / "mail" / "company.mbox").read_bytes()
    found.append(Seed("mail", "company.mbox", b"\nFrom ".join(mbox.split(b"\nFrom ")[:3])))
    found.append(Seed("mail", "one.eml", mbox.split(b"\nFrom ")[1].split(b"\n", 1)[1]))
    for path in sorted((SAMPLE_ORG / "transcripts").glob("*.*")):
        if not path.name.startswith("."):
            found.append(Seed("transcripts", path.name, path.read_bytes()[:6000]))
    export = SAMPLE_ORG / "chat" / "slack-export"
    base = {n: (export / n).read_bytes() for n in ("users.json", "channels.json", "groups.json")}
    day = sorted((export / "platform").glob("*.json"))[0]
    for mutated in ("platform/2025-01-01.json", "users.json", "channels.json"):
        folder = {**base, "platform/2025-01-01.json": day.read_bytes()}
        data = folder.pop(mutated)
        found.append(Seed("slack", f"export/{mutated}", data, folder))
    found.append(
        Seed("slack", "export.zip", _zip({**base, "general/2025-01-01.json": day.read_bytes()}))
    )
    return found


def _discord() -> bytes:
    author = {"id": "1", "name": "adam", "nickname": "Adam A", "isBot": False}
    messages = [
        {"id": str(i), "type": "Default", "timestamp": f"2025-03-05T10:0{i}:00+00:00",
         "content": text, "author": author, "reference": {"messageId": "1"} if i > 1 else None}
        for i, text in enumerate(["the build is red", "looking at it", "fixed in 42"], 1)
    ]  # fmt: skip
    return json.dumps(
        {"guild": {"id": "900", "name": "Acme"}, "channel": {"id": "100", "type": "GuildTextChat",
         "category": "Text", "name": "general"}, "messages": messages}
    ).encode()  # fmt: skip


def _teams() -> bytes:
    user = {"id": "u-robin", "displayName": "Robin Kline", "userIdentityType": "aadUser"}
    messages = [
        {"@odata.type": "#microsoft.graph.chatMessage", "id": str(i), "replyToId": "1" if i > 1
         else None, "messageType": "message", "createdDateTime": f"2021-03-28T10:0{i}:00Z",
         "channelIdentity": {"teamId": "t1", "channelId": "19:c@thread.tacv2"},
         "from": {"user": user}, "body": {"contentType": "html", "content": f"<p>point {i}</p>"}}
        for i in (1, 2)
    ]  # fmt: skip
    return json.dumps({"value": messages}).encode()


def _jsonl() -> bytes:
    rows = [
        {"timestamp": "2025-03-05T14:02:00Z", "author": "Priya", "channel": "platform",
         "thread": "cutover", "text": "Cutover moves to April 26."},
        {"timestamp": 1741183520, "author": "Felix", "channel": "#platform", "text": "runbook"},
    ]  # fmt: skip
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def _docx() -> bytes:
    import io

    import docx

    document = docx.Document()
    document.core_properties.title = "Release memo"
    document.add_heading("Release memo", 1)
    document.add_paragraph("Attendees: Ann Lee, Bob Stone")
    document.add_paragraph("We ship on Friday after the review.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf() -> bytes:
    """A one-page PDF with a text layer, written by hand."""
    stream = b"BT /F1 12 Tf 72 720 Td (Release memo: we ship on Friday.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (Release memo) /Author (Ann Lee) /CreationDate (D:20240305101500) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- mutation ------------------------------------------------------------------------------


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to eight random edits of ``data``."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randint(0, len(out))
        choice = rng.random()
        if choice < 0.25 and out:  # flip bits
            i = min(at, len(out) - 1)
            out[i] ^= 1 << rng.randrange(8)
        elif choice < 0.45:  # splice a token
            out[at:at] = rng.choice(TOKENS)
        elif choice < 0.6 and out:  # delete a run
            del out[at : at + rng.randint(1, 64)]
        elif choice < 0.7:  # random bytes
            out[at:at] = rng.randbytes(rng.randint(1, 32))
        elif choice < 0.8 and out:  # duplicate a run
            start = rng.randrange(len(out))
            out[at:at] = out[start : start + rng.randint(1, 256)]
        elif choice < 0.9:  # cut the end
            del out[at:]
        else:  # replace a digit run with another number
            i = min(at, max(len(out) - 1, 0))
            out[i : i + 1] = str(rng.choice([0, -1, 9999, 10**20, 2**63, 253402300800])).encode()
    return bytes(out)


# --- running -------------------------------------------------------------------------------


class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no reader's ``except Exception`` eats it."""


def _alarm(signum: int, frame: object) -> None:
    raise CaseTimeout


def check_records(records: list[Record]) -> None:
    """What the pipeline computes from each record must work (ids, hashes, UTF-8 text)."""
    for record in records:
        _ = record.doc_id, record.content_hash(), record.people
        texts = [record.title, record.channel or "", record.thread or ""]
        texts += [s.heading + s.text + s.locator for s in record.sections]
        texts += [m.text + m.locator + m.author.label for m in record.messages]
        for text in texts:
            text.encode("utf-8")


def run_case(seed: Seed, data: bytes, folder: Path, modules: dict[str, object]) -> None:
    """Write the case under ``folder`` and run detection and the seed's reader on it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    target = folder / seed.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    source = target
    if seed.folder is not None:
        for name, other in seed.folder.items():
            (folder / "export" / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / "export" / name).write_bytes(other)
        source = folder / "export"
    reader_for(source)
    try:
        result = bounded(modules[seed.reader].read(source))  # type: ignore[attr-defined]
    except ReadError as exc:
        assert str(exc), "a ReadError without a reason"
        return
    for problem in result.problems:
        assert problem.path and problem.reason, f"a problem without path or reason: {problem!r}"
    check_records(result.records)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="total time to fuzz")
    parser.add_argument("--seed", type=int, default=1, help="RNG seed (cases are reproducible)")
    parser.add_argument(
        "--case-timeout", type=float, default=10.0, help="a slower case is a finding"
    )
    parser.add_argument("--only", help="fuzz only this reader (its NAME)")
    parser.add_argument("--keep", type=Path, help="save failing inputs here")
    args = parser.parse_args()

    logging.disable(logging.WARNING)  # pdfminer and unstructured complain about every case
    modules = {m.NAME: m for m in readers()}
    pool = [s for s in seeds() if args.only in (None, s.reader)]
    # Office documents go through unstructured, far slower than the rest: fewer cases.
    weights = [0.2 if s.reader == "office" else 1.0 for s in pool]
    rng = random.Random(args.seed)
    signal.signal(signal.SIGALRM, _alarm)
    ran: Counter[str] = Counter()
    findings: list[tuple[str, int, str, str]] = []
    kinds: Counter[str] = Counter()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wc-fuzz-") as tmp:
        case = 0
        while time.monotonic() - started < args.seconds:
            case += 1
            seed = rng.choices(pool, weights)[0]
            data = mutate(seed.data, rng)
            signal.setitimer(signal.ITIMER_REAL, args.case_timeout)
            try:
                run_case(seed, data, Path(tmp) / "case", modules)
                ran[seed.reader] += 1
            except CaseTimeout:
                findings.append((seed.name, case, "timeout", f"over {args.case_timeout} s"))
            except Exception as exc:  # a crash: what the fuzzer is for
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                where = f"{Path(frame.filename).name}:{frame.lineno}"
                findings.append((seed.name, case, type(exc).__name__, f"{exc} at {where}"[:300]))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if findings and findings[-1][1] == case:
                kinds[f"{findings[-1][2]} ({seed.reader})"] += 1
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    (args.keep / f"{case}-{Path(seed.name).name}").write_bytes(data)
    seconds = time.monotonic() - started
    print(f"readers: {', '.join(sorted({s.reader for s in pool}))}")
    print(f"seeds: {len(pool)} ({', '.join(s.name for s in pool)})")
    print(f"cases: {case} in {seconds:.1f} s (seed {args.seed})")
    print(f"cases by reader: {dict(sorted(ran.items()))}")
    print(f"uncaught: {len(findings)}" + (f" {dict(kinds)}" if kinds else ""))
    first: dict[tuple[str, str], tuple[str, int, str, str]] = {}
    for finding in findings:  # one example of each exception type and place
        first.setdefault((finding[2], finding[3].rsplit(" at ", 1)[-1]), finding)
    for name, number, kind, message in list(first.values())[:30]:
        print(f"  case {number} ({name}): {kind}: {message}")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
