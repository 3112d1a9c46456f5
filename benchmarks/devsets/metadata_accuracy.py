"""How well the readers recover titles, dates and people from the labelled devsets files.

Reads every file labelled in ``documents.jsonl`` / ``people.jsonl`` through
``ingest.sources.reader_for(path).read(path)`` (no store, no embeddings) and compares the
first record with the labels:

- **dates**: the record's ``created`` day against the label, on files that state a date;
- **titles**: whitespace collapsed, case folded, reST/markdown literal backticks and
  backslash escapes ignored; how many titles are a generic heading ("Abstract", ...);
- **date_source** counts (absent in code older than the field);
- **people**: recall of the labelled people among the record's participants (name, handle
  or an ``aka``/``as_written`` spelling), precision of the participants, and the labelled
  ``handle -> person`` pairs found as one identity.

``--code DIR`` reads with another checkout (e.g. the code before a change; its ``ingest``
package is imported from there). ``--dump PATH...`` prints one JSON line per readable file
(title, date, date_source, kind, participants, section headings) for comparing two
checkouts on other data with ``--compare OLD NEW``.

    python benchmarks/devsets/metadata_accuracy.py [--code DIR] [--devsets DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEVSETS = Path(__file__).resolve().parents[2].parent / "shared" / "devsets"
GENERIC = frozenset(
    {
        "summary", "abstract", "overview", "motivation", "introduction", "background",
        "table of contents", "contents", "rationale", "specification", "preamble",
        "quick recap", "recap", "agenda", "attendees", "notes", "copyright", "references",
    }
)  # fmt: skip

Json = dict[str, Any]


def load(name: str) -> list[Json]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def group_of(rel: str) -> str:
    folder = rel.split("/", 1)[0]
    if folder == "irc-logs-i2p":
        return "i2p " + rel.rsplit(".", 1)[-1]
    return {"memos-peps": "peps", "meeting-notes-w3c-webextensions": "w3c"}.get(folder, folder)


def squash(text: str) -> str:
    """A name or title folded for comparison."""
    text = unicodedata.normalize("NFC", str(text)).replace("\\", "").replace("`", "")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split()).casefold()


def generic(title: str) -> bool:
    return re.sub(r"[\W\d_]+", " ", title).strip().casefold() in GENERIC


# ---------------------------------------------------------------------------- reading


def reader_api(code: Path | None):
    if code is not None:
        sys.path.insert(0, str(code.resolve()))
    from ingest.sources import reader_for

    return reader_for


def read_first(reader_for, path: Path) -> tuple[Any | None, str]:
    reader = reader_for(path)
    if reader is None:
        return None, "no reader"
    try:
        result = reader.read(path)
    except Exception as exc:  # a reader failure is a result here
        return None, f"{type(exc).__name__}: {exc}"
    if not result.records:
        return None, "no records"
    first = min(result.records, key=lambda r: (r.created is None, r.created or 0))
    return first, reader.NAME


def identities(record: Any) -> list[Any]:
    """Participants, and message authors for conversations, one per label."""
    found: dict[str, Any] = {}
    for ident in [*record.participants, *(m.author for m in record.messages)]:
        found.setdefault(ident.label, ident)
    return list(found.values())


# ---------------------------------------------------------------------------- measuring


def measure_documents(reader_for, devsets: Path) -> tuple[Json, list[Json]]:
    rows: list[Json] = []
    for label in load("documents.jsonl"):
        record, how = read_first(reader_for, devsets / label["path"])
        row: Json = {"path": label["path"], "group": group_of(label["path"]), "reader": how}
        if record is not None:
            day = record.created.date().isoformat() if record.created else None
            row.update(
                title=record.title,
                date=day,
                date_source=getattr(record, "date_source", None) or "(no field)",
                title_right=squash(record.title) == squash(label["title"]),
                generic=generic(record.title),
            )
            if label["date_stated"]:
                row["date_right"] = day == label["date"]
        row["date_stated"] = label["date_stated"]
        rows.append(row)
    summary: Json = {}
    for group in sorted({r["group"] for r in rows}):
        items = [r for r in rows if r["group"] == group]
        read = [r for r in items if "title" in r]
        stated = [r for r in items if r["date_stated"]]
        summary[group] = {
            "files": len(items),
            "read": len(read),
            "date_stated": len(stated),
            "date_right": sum(bool(r.get("date_right")) for r in stated),
            "title_right": sum(r["title_right"] for r in read),
            "generic_title": sum(r["generic"] for r in read),
            "date_source": dict(Counter(r["date_source"] for r in read).most_common()),
        }
    return summary, rows


def _aliases(label: Json) -> dict[str, str]:
    """Every folded spelling of a labelled person -> the person."""
    names = {squash(p): p for p in label["people"]}
    for handle, person in label.get("handles", {}).items():
        names.setdefault(squash(handle), person)
    for extra in ("aka", "as_written"):
        for person, other in (label.get(extra) or {}).items():
            names.setdefault(squash(other), person)
    return names


def measure_people(reader_for, devsets: Path) -> tuple[Json, list[Json]]:
    rows: list[Json] = []
    for label in load("people.jsonl"):
        targets = [(label["path"], label)]
        if label.get("recap_path"):  # the recap's Present list, as the .rst reader should see it
            recap = {"people": label["recap_present"], "handles": {}}
            targets.append((label["recap_path"], recap))
        for rel, want in targets:
            record, how = read_first(reader_for, devsets / rel)
            row: Json = {"path": rel, "group": group_of(rel), "reader": how}
            if record is None:
                row.update(found=0, wanted=len(want["people"]), kept=0, right=0)
                rows.append(row)
                continue
            spellings = _aliases(want)
            people = identities(record)
            matched_people: set[str] = set()
            right = 0
            wrong: list[str] = []
            for ident in people:
                hit = next(
                    (
                        spellings[key]
                        for key in (squash(ident.name or ""), squash(ident.handle or ""))
                        if key and key in spellings
                    ),
                    None,
                )
                if hit:
                    right += 1
                    matched_people.add(hit)
                else:
                    wrong.append(ident.label)
            pairs = want.get("handles", {})
            pair_hits = sum(
                any(
                    squash(i.handle or "") == squash(h) and squash(i.name or "") == squash(p)
                    for i in people
                )
                for h, p in pairs.items()
                if squash(h) != squash(p)
            )
            row.update(
                wanted=len(want["people"]),
                found=len(matched_people),
                kept=len(people),
                right=right,
                pairs=sum(squash(h) != squash(p) for h, p in pairs.items()),
                pair_hits=pair_hits,
                missing=sorted(set(want["people"]) - matched_people),
                not_labelled=wrong,
            )
            rows.append(row)
    summary: Json = {}
    for group in sorted({r["group"] for r in rows}):
        items = [r for r in rows if r["group"] == group]
        wanted, found = sum(r["wanted"] for r in items), sum(r["found"] for r in items)
        kept, right = sum(r["kept"] for r in items), sum(r["right"] for r in items)
        pairs = sum(r.get("pairs", 0) for r in items)
        summary[group] = {
            "files": len(items),
            "recall": round(found / wanted, 3) if wanted else None,
            "precision": round(right / kept, 3) if kept else None,
            "handle_pairs": f"{sum(r.get('pair_hits', 0) for r in items)}/{pairs}",
        }
    return summary, rows


# ---------------------------------------------------------------------------- dump / compare


def dump(reader_for, paths: list[Path]) -> None:
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*")))
    for path in files:
        if not path.is_file() or path.name.startswith((".", "PROVENANCE", "README")):
            continue
        reader = reader_for(path)
        if reader is None or reader.NAME not in ("notes", "office"):
            continue
        try:
            records = reader.read(path).records
        except Exception as exc:
            print(json.dumps({"path": str(path), "error": f"{type(exc).__name__}: {exc}"}))
            continue
        for r in records:
            print(
                json.dumps(
                    {
                        "path": str(path),
                        "title": r.title,
                        "date": r.created.isoformat() if r.created else None,
                        "date_source": getattr(r, "date_source", None),
                        "kind": r.kind,
                        "participants": [i.label for i in r.participants],
                        "handles": {i.name: i.handle for i in r.participants if i.handle},
                        "sections": [s.heading for s in r.sections],
                        "section_people": [s.people for s in r.sections],
                        "text_chars": sum(len(s.text) for s in r.sections),
                    },
                    ensure_ascii=False,
                )
            )


def compare(old_path: Path, new_path: Path) -> None:
    def rows(p: Path) -> dict[str, Json]:
        return {(r := json.loads(line))["path"]: r for line in p.read_text().splitlines()}

    old, new = rows(old_path), rows(new_path)
    changed: Counter[str] = Counter()
    for path in sorted(old.keys() | new.keys()):
        a, b = old.get(path), new.get(path)
        if a is None or b is None:
            print(f"{path}: only in {'new' if a is None else 'old'}")
            changed["presence"] += 1
            continue
        for key in ("title", "date", "kind", "participants", "sections", "section_people",
                    "text_chars", "error"):  # fmt: skip
            if a.get(key) != b.get(key):
                changed[key] += 1
                print(f"{path}: {key}\n    old {a.get(key)!r}\n    new {b.get(key)!r}")
    print(f"{len(old)} old, {len(new)} new; changed: {dict(changed) or 'nothing'}")


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--code", type=Path, help="checkout whose ingest package to use")
    parser.add_argument("--devsets", type=Path, default=DEVSETS)
    parser.add_argument("--json", action="store_true", help="per-file rows as JSON")
    parser.add_argument("--dump", type=Path, nargs="+", help="dump records of these paths")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return 0
    reader_for = reader_api(args.code)
    if args.dump:
        dump(reader_for, args.dump)
        return 0
    if not args.devsets.is_dir():
        print(f"note: {args.devsets} not found; nothing to measure")
        return 0
    docs, doc_rows = measure_documents(reader_for, args.devsets)
    people, people_rows = measure_people(reader_for, args.devsets)
    if args.json:
        print(json.dumps({"documents": doc_rows, "people": people_rows}, ensure_ascii=False))
        return 0
    print("documents (dates on files that state one; titles after folding)")
    for group, s in docs.items():
        stated = s["date_stated"]
        print(
            f"  {group:8} read {s['read']}/{s['files']}  dates {s['date_right']}/{stated}"
            f" ({s['date_right'] / stated:.1%})  titles {s['title_right']}/{s['files']}"
            f"  generic {s['generic_title']}  date_source {s['date_source']}"
            if stated
            else f"  {group:8} read {s['read']}/{s['files']}"
        )
    print("people (labelled people found among participants; participants that are labelled)")
    for group, s in people.items():
        print(
            f"  {group:8} files {s['files']}  recall {s['recall']}  precision {s['precision']}"
            f"  handle->name pairs {s['handle_pairs']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
