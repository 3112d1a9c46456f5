"""Sanity checks for the real-sample evaluation sets in this folder.

    .venv/bin/python benchmarks/real_samples/check_sets.py [--samples ../shared/samples] [--others]

Checks that every labelled path exists under the samples folder, that each search
query's short evidence patterns occur in every file labelled relevant, that each
answerable question's expected phrase occurs in its source (case-insensitive,
whitespace-normalised), that the unanswerable questions' key terms occur nowhere, and
that every expert name and alias occurs somewhere in the corpus. With --others it also
lists unlabelled files that match all of a query's evidence patterns, for manual review.

Only short patterns live here; no sample text is copied. Needs the samples folder
(skips with exit code 0 when it is absent). PDF text needs pdfminer.six (in .venv).
"""

from __future__ import annotations

import argparse
import email
import html
import json
import mailbox
import re
import sys
import zipfile
from email import policy
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SAMPLES = HERE.parents[2] / "shared" / "samples"
SKIP_NAMES = {"PROVENANCE.md", "README.md", "README"}

# Every pattern must match (case-insensitive) in every file listed as relevant.
EVIDENCE: dict[str, list[str]] = {
    "r01": [r"DATACOPY overflow"],
    "r02": [r"PC ?= ?0|PC is zero|pc=0"],
    "r03": [r"Sourcify|Separate Metadata Section"],
    "r04": [r"against slot auctions"],
    "r05": [r"staking pool"],
    "r06": [r"empty block"],
    "r07": [r"supernodes? restarted"],
    "r08": [r"inode"],
    "r09": [r"Sunnyside", r"blobs per block|blobs/block"],
    "r10": [r"empty.or.full|all-or-nothing"],
    "r11": [r"\bOOM\b"],
    "r12": [r"KZG", r"batching"],
    "r13": [r"4096 epochs"],
    "r14": [r"depth of 14|14 to 16"],
    "r15": [r"preimage", r"\d+ ?gb"],
    "r16": [r"3 bytes"],
    "r17": [r"8,192"],
    "r18": [r"400 ?kb"],
    "r19": [r"binary tree"],
    "r20": [r"Portal", r"S3 bucket"],
    "r21": [r"reorg", r"mempool"],
    "r22": [r"minimum|min price"],
    "r23": [r"Arbitrum", r"versioned hash"],
    "r24": [r"zero blob|0-blob|0 blob"],
    "r25": [r"EL triggered|execution (initiated|triggered)"],
    "r26": [r"custom ceiling"],
    "r27": [r"IncluderSelect"],
    "r28": [r"ring signature"],
    "r29": [r"3M gas"],
    "r30": [r"beacon (block )?ro(o|u)t", r"withdrawals"],
    "r31": [r"hash mismatch", r"extra (`?0x00`? )?byte"],
    "r32": [r"type 4", r"authority"],
    "r33": [r"minslack"],
    "r34": [r"cease and desist"],
    "r35": [r"3SF", r"python"],
    "r36": [r"sync committee slashing"],
    "r37": [r"SP1", r"23s"],
    "r38": [r"migration off the table"],
    "r39": [r"Innosilicon", r"Flexpool"],
    "r40": [r"eth/69"],
    "r41": [r"extraDataHash"],
    "r42": [r"Encrypt the Mempool", r"jflo"],
    "r43": [r"sweep", r"four days|9\.2 days"],
    "r44": [r"Poseidon"],
    "r45": [r"mev.boost", r"relay"],
    "r46": [r"2\^64", r"javascript"],
    "r47": [r"refund", r"1559"],
    "r48": [r"Trinity"],
    "r49": [r"8037", r"coherent"],
    "r50": [r"Lucid", r"\bSSE\b"],
    "r51": [r"7688", r"Nimbus"],
    "r52": [r"8141", r"mempool"],
    "r53": [r"proofs against the beacon root"],
    "r54": [r"simulated annealing|\bSA\b", r"\bGA\b"],
    "r55": [r"examples\.tsp"],
    "r56": [r"World Cities"],
    "r57": [r"setup\.py"],
    "r58": [r"--channel"],
    "r59": [r"nitro giveaway"],
    "r60": [r"START_VIEWER"],
    "r61": [r"Too many open files"],
    "r62": [r"getline"],
    "r63": [r"alloc_netdev"],
    "r64": [r"CVSAnaly"],
    "r65": [r"Docker"],
    "r66": [r"RPM macro"],
    "r67": [r"3 trucks"],
    "r68": [r"23,718,968"],
    "r69": [r"standing trustee"],
    "r70": [r"eight months"],
}

# Terms that must appear nowhere for the unanswerable questions.
ABSENT: dict[str, list[str]] = {
    "rq29": [r"fusaka[^.\n]{0,40}(activated|went live)"],
    "rq30": [r"ADDMODX"],
    "rq31": [r"BPO2"],
    "rq32": [r"\bgrade[ds]?\b[^.\n]{0,40}capstone|capstone[^.\n]{0,40}\bgrade"],
    "rq33": [r"(accepted|selected) frame transactions"],
}


def _json_strings(obj, out: list[str]) -> None:
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            _json_strings(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _json_strings(v, out)


def _message_text(msg: email.message.Message) -> str:
    parts = [str(msg.get("Subject", "")), str(msg.get("From", ""))]
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            parts.append(part.get_content())
        except Exception:  # unknown or broken charsets
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode("latin-1", "replace"))
    return "\n".join(parts)


def _xml_text(path: Path, members: tuple[str, ...]) -> str:
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.startswith(members) and n.endswith(".xml")]
        xml = " ".join(z.read(n).decode("utf-8", "replace") for n in names)
    return html.unescape(re.sub(r"<[^>]+>", " ", xml))


def extract(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        out: list[str] = []
        _json_strings(json.loads(path.read_text(encoding="utf-8")), out)
        return "\n".join(out)
    if suffix == ".mbox":
        box = mailbox.mbox(
            str(path), factory=lambda f: email.message_from_binary_file(f, policy=policy.default)
        )
        return "\n".join(_message_text(m) for m in box)
    if suffix == ".eml" or path.parent.name in {"cur", "new"}:
        return _message_text(email.message_from_bytes(path.read_bytes(), policy=policy.default))
    if suffix in {".html", ".htm"}:
        raw = path.read_bytes().decode("utf-8", "replace")
        return html.unescape(re.sub(r"<[^>]+>", " ", raw))
    if suffix == ".pdf":
        try:
            from pdfminer.high_level import extract_text
        except ImportError:
            return ""
        return extract_text(str(path))
    if suffix == ".docx":
        return _xml_text(path, ("word/",))
    if suffix == ".pptx":
        return _xml_text(path, ("ppt/slides/",))
    if suffix == ".odt":
        return _xml_text(path, ("content",))
    if suffix == ".msg":
        return path.read_bytes().decode("latin-1", "replace")
    return path.read_bytes().decode("utf-8", "replace")


def norm(text: str) -> str:
    return " ".join(text.split()).lower()


def load(name: str) -> list[dict]:
    return [
        json.loads(line)
        for line in (HERE / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    ap.add_argument(
        "--others", action="store_true", help="list unlabelled files matching all evidence patterns"
    )
    args = ap.parse_args()
    root: Path = args.samples
    if not root.is_dir():
        print(f"samples folder not found: {root}; nothing checked")
        return 0

    corpus = {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in SKIP_NAMES
    }
    cache: dict[str, str] = {}

    def text(rel: str) -> str:
        if rel not in cache:
            try:
                cache[rel] = extract(corpus[rel])
            except Exception as exc:  # report, keep going
                print(f"  ! could not read {rel}: {exc}")
                cache[rel] = ""
        return cache[rel]

    errors: list[str] = []

    queries = load("search_queries.jsonl")
    for q in queries:
        pats = EVIDENCE.get(q["id"])
        if not pats:
            errors.append(f"{q['id']}: no evidence patterns")
            continue
        for rel in q["relevant"]:
            if rel not in corpus:
                errors.append(f"{q['id']}: missing path {rel}")
                continue
            for pat in pats:
                if not re.search(pat, text(rel), re.IGNORECASE):
                    errors.append(f"{q['id']}: /{pat}/ not found in {rel}")
        if args.others:
            hits = [
                r
                for r in corpus
                if r not in q["relevant"]
                and all(re.search(p, text(r), re.IGNORECASE) for p in pats)
            ]
            if hits:
                print(f"{q['id']} also matches (review): {hits}")

    questions = load("questions.jsonl")
    for q in questions:
        if q["expected"] is None:
            for pat in ABSENT.get(q["id"], []):
                hits = [r for r in corpus if re.search(pat, text(r), re.IGNORECASE)]
                if hits:
                    errors.append(f"{q['id']}: unanswerable term /{pat}/ found in {hits[:3]}")
            if q["source"] is not None:
                errors.append(f"{q['id']}: unanswerable question has a source")
            continue
        if q["source"] not in corpus:
            errors.append(f"{q['id']}: missing source {q['source']}")
        elif norm(q["expected"]) not in norm(text(q["source"])):
            errors.append(f"{q['id']}: expected {q['expected']!r} not in {q['source']}")

    experts = load("expert_topics.jsonl")
    all_text = "\n".join(text(r) for r in corpus)
    for e in experts:
        for name in e["experts"] + e.get("aliases", []):
            if name not in all_text:
                errors.append(f"{e['id']}: name {name!r} not found in corpus")

    unanswerable = sum(q["expected"] is None for q in questions)
    print(
        f"search queries: {len(queries)}, questions: {len(questions)} "
        f"({unanswerable} unanswerable), expert topics: {len(experts)}"
    )
    for err in errors:
        print("FAIL", err)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
