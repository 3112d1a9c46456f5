"""Reader for e-mail: mbox files, single .eml files, Outlook .msg, and mail folders.

A mail folder (a Maildir with ``cur``/``new``, or any folder tree holding only
messages) is one source, so threads group across its files. Messages are threaded
from Message-ID / In-Reply-To / References in the manner of JWZ's algorithm: every
message joins the thread of every id it mentions (so replies to a missing root stay
together), a message's own In-Reply-To wins over a conflicting References chain, and
root threads with the same subject are merged when one of them only has a missing
("ghost") root or starts with a reply. One :class:`Record` per thread.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message as EmailMessage
from email.utils import getaddresses
from pathlib import Path

from ingest.readers.mailtext import (
    calendar_summary,
    clean_body,
    decode_bytes,
    decode_header,
    html_to_text,
    is_reply_subject,
    list_tag,
    normalize_subject,
    parse_date,
    raw_header_text,
    tidy,
    unflow,
)
from ingest.readers.textutil import read_bytes
from ingest.records import Access, Identity, Message, Problem, ReadError, Record
from ingest.sources import ReadResult

NAME = "mail"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MBOX_SUFFIXES = frozenset({".mbox", ".mbx"})
# Files that may sit in a mail folder without making it "not a mail folder".
IGNORABLE_NAMES = frozenset(
    {".ds_store", "thumbs.db", "desktop.ini", "maildirfolder", "dovecot.index", "subscriptions"}
)
# Suffixes never sniffed for mail headers (other readers own them).
NOT_MAIL_SUFFIXES = frozenset(
    {".md", ".markdown", ".json", ".jsonl", ".csv", ".tsv", ".html", ".htm", ".pdf", ".docx",
     ".doc", ".pptx", ".xlsx", ".odt", ".rtf", ".vtt", ".srt", ".sbv", ".py", ".js", ".ts",
     ".yaml", ".yml", ".toml", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".gif", ".log"}
)  # fmt: skip
SUBJECT_MERGE_WINDOW = timedelta(days=30)
_MSGID = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_HEADER_LINE = re.compile(r"^[!-9;-~]+:")
_ENVELOPE = re.compile(rb"^From \S+.*$")
# Headers of which at least one (besides From) marks a file as a real message.
_MAIL_HEADERS = frozenset(
    {"message-id", "received", "return-path", "mime-version", "in-reply-to", "references",
     "delivered-to"}
)  # fmt: skip


@dataclass(slots=True)
class MailItem:
    """One parsed message, before threading."""

    seq: int
    path: Path
    fmt: str
    mid: str | None
    parents: list[str]
    references: list[str]
    subject: str
    author: Identity
    recipients: list[Identity]
    hidden: list[str]
    time: datetime | None
    text: str
    list_id: str | None = None
    list_address: str | None = None
    tag: str | None = None
    where: str = ""
    key_id: str = ""
    parent: str | None = None

    @property
    def locator(self) -> str:
        """``Message-ID <id>``, or where the message sits when it has no id."""
        return f"Message-ID {self.mid}" if self.mid else self.where


# ---------------------------------------------------------------- detection


def detect(path: Path) -> bool:
    """True for an mbox, .eml or Outlook .msg file, or a folder holding only mail."""
    try:
        if path.is_dir():
            return _is_mail_tree(path)
        if not path.is_file():
            return False
        suffix = path.suffix.lower()
        if suffix in MBOX_SUFFIXES or suffix == ".eml":
            return True
        if suffix == ".msg":
            return _head(path, 8) == OLE_MAGIC
        if suffix in NOT_MAIL_SUFFIXES:
            return False
        head = _head(path, 16384)
        return _looks_like_mbox(head) or _looks_like_message(head)
    except OSError:
        return False


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _looks_like_mbox(head: bytes) -> bool:
    lines = _from_utf16(head).lstrip(b"\xef\xbb\xbf").split(b"\n", 2)
    return (
        len(lines) > 1
        and bool(_ENVELOPE.match(lines[0]))
        and bool(_HEADER_LINE.match(lines[1].decode("latin-1")))
    )


def _looks_like_message(head: bytes) -> bool:
    """Strict check that ``head`` starts with an RFC 822 header block of a real message."""
    text = _from_utf16(head).lstrip(b"\xef\xbb\xbf").decode("latin-1")
    names: set[str] = set()
    for i, line in enumerate(text.replace("\r\n", "\n").split("\n")):
        if not line.strip():
            break
        if line[:1] in (" ", "\t") and i:
            continue
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(":", 1)[0].lower())
    return "from" in names and bool(names & _MAIL_HEADERS)


def _is_message_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return True
    if suffix == ".msg":
        return _head(path, 8) == OLE_MAGIC
    if suffix in MBOX_SUFFIXES or suffix in NOT_MAIL_SUFFIXES:
        return False
    return _looks_like_message(_head(path, 16384))


def _folder_files(root: Path) -> Iterator[Path]:
    """Files of a mail folder tree: hidden entries and Maildir ``tmp`` skipped,
    except Maildir++ sub-folders (``.Sent`` with ``cur``/``new`` inside)."""
    for child in sorted(root.iterdir()):
        if child.is_dir():
            maildir_plus = child.name.startswith(".") and (child / "cur").is_dir()
            if child.name == "tmp" or (child.name.startswith(".") and not maildir_plus):
                continue
            yield from _folder_files(child)
        elif child.is_file() and not child.name.startswith("."):
            yield child


def _is_mail_tree(root: Path) -> bool:
    """A folder is one mail source when every (non-hidden) file in it is a message."""
    found = False
    for path in _folder_files(root):
        if path.name.lower() in IGNORABLE_NAMES:
            continue
        if not _is_message_file(path):
            return False
        found = True
    return found


# ---------------------------------------------------------------- reading


def read(path: Path) -> ReadResult:
    """Read a mail source into one record per thread."""
    path = path.resolve()
    result = ReadResult()
    if path.is_dir():
        items = _read_folder(path, result)
    else:
        items = _read_file(path, result)
        if not items:
            first = f": {result.problems[0]}" if result.problems else ""
            raise ReadError(f"no readable message in the file{first}")
    result.records = build_records(path, items)
    return result


def _read_folder(root: Path, result: ReadResult) -> list[MailItem]:
    items: list[MailItem] = []
    files = [p for p in _folder_files(root) if _is_message_file(p)]
    for file in files:
        try:
            items += _read_file(file, result, start=len(items), in_folder=True)
        except ReadError as exc:
            result.problems.append(Problem(str(file), str(exc), where=f"message file {file.name}"))
    if not items:
        raise ReadError("no readable message in the mail folder")
    return items


def _read_file(
    path: Path, result: ReadResult, start: int = 0, in_folder: bool = False
) -> list[MailItem]:
    """Messages of one file (an mbox, a message, or a .msg); ``start`` numbers them on."""
    data = read_bytes(path)
    if not data.strip():
        raise ReadError("empty file")
    if data.startswith(OLE_MAGIC):
        item = _read_msg(path, data, start + 1)
        item.where = f"file {path.name}" if in_folder else "message 1"
        return [item]
    data = _from_utf16(data)
    suffix = path.suffix.lower()
    if _looks_like_mbox(data[:4096]):
        chunks = split_mbox(data)
        fmt = "eml" if suffix == ".eml" else "mbox"
    else:
        chunks, fmt = [data], "eml"
    items = []
    for n, chunk in enumerate(chunks, 1):
        where = f"file {path.name}" if in_folder and len(chunks) == 1 else f"message {n}"
        try:
            item = _parse_item(chunk, start + n, path, fmt)
        except Exception as exc:  # one broken message must not lose the whole mailbox
            result.problems.append(Problem(str(path), str(exc) or type(exc).__name__, where=where))
            continue
        item.where = where
        items.append(item)
    return items


def _from_utf16(data: bytes) -> bytes:
    """Re-encode a whole message written in UTF-16 (with or without BOM) as UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    sample = data[:200]
    if len(sample) >= 8:
        if sample[1::2].count(0) > len(sample) * 0.4 and sample[0::2].count(0) == 0:
            return data.decode("utf-16-le", errors="replace").encode("utf-8")
        if sample[0::2].count(0) > len(sample) * 0.4 and sample[1::2].count(0) == 0:
            return data.decode("utf-16-be", errors="replace").encode("utf-8")
    return data


def split_mbox(data: bytes) -> list[bytes]:
    """Split an mbox on ``From `` envelope lines that start a header block after a blank line."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    chunks: list[list[bytes]] = []
    for i, line in enumerate(lines):
        is_start = (
            line.startswith(b"From ")
            and (i == 0 or not lines[i - 1].strip())
            and i + 1 < len(lines)
            and bool(_HEADER_LINE.match(lines[i + 1].decode("latin-1")))
        )
        if is_start:
            chunks.append([])
        elif chunks:
            chunks[-1].append(line[1:] if line.startswith(b">From ") else line)
    return [b"\n".join(chunk) for chunk in chunks if any(x.strip() for x in chunk)]


# ---------------------------------------------------------------- one message


def _parse_item(raw: bytes, seq: int, path: Path, fmt: str) -> MailItem:
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the stdlib parser may raise anything on garbage
        raise ValueError(f"unparseable message: {exc}") from exc
    headers = _headers(msg)
    if not headers:
        raise ValueError("no mail headers")
    text, notes = message_text(msg)
    return _item(headers, text, notes, seq, path, fmt)


def _headers(msg: EmailMessage) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        found.setdefault(name.lower(), []).append(str(value))
    return found


def _item(
    headers: dict[str, list[str]],
    text: str,
    notes: list[str],
    seq: int,
    path: Path,
    fmt: str,
) -> MailItem:
    first = {name: values[0] for name, values in headers.items()}
    subject = decode_header(first.get("subject", ""))
    authors = _identities(headers.get("from", []) or headers.get("sender", []))
    recipients = _identities(headers.get("to", []) + headers.get("cc", []))
    hidden = [i.email for i in _identities(headers.get("bcc", [])) if i.email]
    body = "\n\n".join(part for part in [text, *notes] if part)
    return MailItem(
        seq=seq,
        path=path,
        fmt=fmt,
        mid=_first_id(first.get("message-id", "")),
        parents=_ids(first.get("in-reply-to", "")),
        references=_ids(" ".join(headers.get("references", []))),
        subject=subject,
        author=authors[0] if authors else Identity(name="unknown"),
        recipients=recipients,
        hidden=hidden,
        time=parse_date(first.get("date")),
        text=body,
        list_id=_list_id(first.get("list-id", "")),
        list_address=_list_address(first.get("list-post", ""), first.get("list-id", "")),
        tag=list_tag(subject),
    )


def _ids(value: str) -> list[str]:
    return [f"<{m}>" for m in _MSGID.findall(decode_header(value))]


def _first_id(value: str) -> str | None:
    ids = _ids(value)
    if ids:
        return ids[0]
    bare = decode_header(value).strip().strip("<>").strip()
    return f"<{bare}>" if bare and " " not in bare else None


def _list_id(value: str) -> str | None:
    """The list name of a List-Id header: ``<desktop-devel-list.gnome.org>`` gives
    ``desktop-devel-list`` (the name a subject tag would show)."""
    match = re.search(r"<([^<>]+)>", value)
    if match:
        return match.group(1).strip().split(".", 1)[0]
    return decode_header(value) or None


def _list_address(post: str, list_id: str) -> str | None:
    """The mailing list a message went through, as a group that may read the thread: the
    List-Post address (``<mailto:eng@corp.example>``), else the List-Id (``eng.corp.example``)."""
    match = re.search(r"<mailto:([^<>?\s]+)", post, re.IGNORECASE)
    if match:
        return match.group(1).strip().lower()
    match = re.search(r"<([^<>\s]+)>", list_id)
    return match.group(1).strip().lower() if match else None


def _identities(values: list[str]) -> list[Identity]:
    """Identities from address headers; pipermail's ``user at host`` is repaired."""
    fixed = [_pipermail_address(raw_header_text(v)) for v in values]
    people = []
    for name, address in getaddresses(fixed):
        name = decode_header(name).strip().strip("'\"").strip()
        address = address.strip().lower()
        if not address and not name:
            continue
        if "@" not in address:
            name, address = name or address, ""
        elif name.lower() == address:
            name = ""
        people.append(Identity(name=name, email=address or None))
    return people


def _pipermail_address(value: str) -> str:
    if "@" in value:
        return value
    return re.sub(r"(?<![\w.+-])([\w.+-]+) at ([\w-]+(?:\.[\w-]+)+)", r"\1@\2", value)


# ---------------------------------------------------------------- bodies

_SIGNATURE_TYPES = frozenset(
    {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
)


def message_text(msg: EmailMessage) -> tuple[str, list[str]]:
    """The cleaned new text of a message and its attachment notes."""
    pieces = _render(msg, top=True)
    texts = [text for text, is_note in pieces if not is_note and text]
    notes = list(dict.fromkeys(text for text, is_note in pieces if is_note))
    return tidy("\n\n".join(texts)), notes


def _render(part: EmailMessage, top: bool = False) -> list[tuple[str, bool]]:
    """Text pieces of a MIME part as ``(text, is_note)``: bodies cleaned, attachments noted."""
    ctype = part.get_content_type()
    if ctype.startswith("message/") and part.is_multipart():
        return _render_embedded(part)
    if part.is_multipart():
        return _render_multipart(part, ctype)
    filename = _filename(part)
    if ctype in _SIGNATURE_TYPES:
        return []
    if ctype == "application/pgp-encrypted":
        return [("[encrypted message]", True)]
    if not top and _is_attachment(part, ctype, filename):
        return [(f"[attachment: {filename or ctype}]", True)]
    if ctype == "text/calendar":
        return [(calendar_summary(_decoded(part)), False)]
    if ctype == "text/html":
        return _cleaned(html_to_text(_decoded(part)))
    if part.get_content_maintype() == "text":
        text = _decoded(part)
        if _param(part, "format") == "flowed":
            text = unflow(text, delsp=_param(part, "delsp") == "yes")
        return _cleaned(text)
    return [(f"[attachment: {filename}]", True)] if filename else []


def _render_multipart(part: EmailMessage, ctype: str) -> list[tuple[str, bool]]:
    subparts = [p for p in part.get_payload() if isinstance(p, EmailMessage)]
    if ctype == "multipart/alternative":
        return _choose_alternative(subparts)
    if ctype == "multipart/signed":
        return _render(subparts[0]) if subparts else []
    if ctype == "multipart/encrypted":
        return [("[encrypted message]", True)]
    pieces: list[tuple[str, bool]] = []
    for sub in subparts:
        pieces += _render(sub)
    return pieces


def _choose_alternative(subparts: list[EmailMessage]) -> list[tuple[str, bool]]:
    """Plain text when it says something, else HTML, else whatever renders."""
    rank = {"text/plain": 0, "text/html": 1, "text/calendar": 3}
    ordered = sorted(subparts, key=lambda p: rank.get(p.get_content_type(), 2))
    calendars = [p for p in subparts if p.get_content_type() == "text/calendar"]
    for sub in ordered:
        pieces = _render(sub)
        if any(text for text, is_note in pieces if not is_note):
            if sub not in calendars:
                for calendar in calendars:
                    pieces += _render(calendar)
            return pieces
    return _render(ordered[0]) if ordered else []


def _render_embedded(part: EmailMessage) -> list[tuple[str, bool]]:
    inner = [p for p in part.get_payload() if isinstance(p, EmailMessage)]
    if not inner or not inner[0].keys():
        return []
    msg = inner[0]
    head = [
        f"{name}: {decode_header(msg[name])}" for name in ("From", "Date", "Subject") if msg[name]
    ]
    text, notes = message_text(msg)
    body = "\n".join(["[forwarded message]", *head]) + ("\n\n" + text if text else "")
    return [(body, False)] + [(note, True) for note in notes]


def _is_attachment(part: EmailMessage, ctype: str, filename: str | None) -> bool:
    """An attached file (noted, not read) rather than a body part."""
    if part.get_content_disposition() == "attachment":
        return True
    return bool(filename) and ctype not in ("text/plain", "text/html", "text/calendar")


def _param(part: EmailMessage, name: str) -> str:
    value = part.get_param(name)
    return str(value[2] if isinstance(value, tuple) else value or "").lower()


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
    except (TypeError, ValueError, LookupError):
        name = None
    return decode_header(name) if name else None


def _decoded(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(payload or "")
    try:
        charset = part.get_content_charset()
    except (TypeError, ValueError, LookupError):
        charset = None
    return decode_bytes(payload, charset)


def _cleaned(text: str) -> list[tuple[str, bool]]:
    body, scrubbed = clean_body(text)
    return [(body, False)] + [(f"[attachment: {name}]", True) for name in scrubbed]


# ---------------------------------------------------------------- Outlook .msg


def _read_msg(path: Path, data: bytes, seq: int) -> MailItem:
    """An Outlook .msg (OLE2) message, read with python-oxmsg."""
    try:
        from oxmsg import Message as OxMessage
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ReadError("reading .msg needs the python-oxmsg package") from exc
    try:
        msg = OxMessage.load(data)
        headers = {k.lower(): [str(v)] for k, v in msg.message_headers.items()}
        headers.setdefault("from", [msg.sender or ""])
        headers.setdefault("subject", [msg.subject or ""])
        if "to" not in headers and msg.recipients:
            headers["to"] = [", ".join(f'"{r.name}" <{r.email_address}>' for r in msg.recipients)]
        if "date" not in headers and msg.sent_date:
            headers["date"] = [msg.sent_date.strftime("%a, %d %b %Y %H:%M:%S +0000")]
        body = msg.body or ""
        text = tidy(clean_body(body)[0]) if body.strip() else ""
        if not text and msg.html_body:
            text = _cleaned(html_to_text(msg.html_body))[0][0]
        notes = [f"[attachment: {a.file_name}]" for a in msg.attachments if a.file_name]
    except ReadError:
        raise
    except Exception as exc:  # oxmsg raises assorted errors on corrupt files
        raise ReadError(f"unreadable Outlook .msg file: {exc}") from exc
    return _item(headers, text, notes, seq, path, "msg")


# ---------------------------------------------------------------- threading


def _dedupe(items: list[MailItem]) -> list[MailItem]:
    """Drop exact re-deliveries (same id, sender and text); give clashing ids a suffix."""
    seen: dict[str, MailItem] = {}
    kept = []
    for item in items:
        if item.mid is None:
            digest = hashlib.sha1(
                f"{item.author.email}\0{item.subject}\0{item.time}\0{item.text}".encode()
            ).hexdigest()[:16]
            item.key_id = f"<{digest}@no-message-id>"
        elif item.mid in seen:
            other = seen[item.mid]
            if (other.author.email, other.text) == (item.author.email, item.text):
                continue
            item.key_id = f"{item.mid[:-1]}#{item.seq}>"
        else:
            item.key_id = item.mid
            seen[item.mid] = item
        kept.append(item)
    return kept


class _UnionFind:
    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.up.setdefault(key, key)
        while self.up[key] != key:
            self.up[key] = self.up[self.up[key]]
            key = self.up[key]
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.up[rb] = ra


def _creates_cycle(parent: dict[str, str], child: str, new_parent: str) -> bool:
    node: str | None = new_parent
    seen = set()
    while node is not None and node not in seen:
        if node == child:
            return True
        seen.add(node)
        node = parent.get(node)
    return False


def _link_parents(items: list[MailItem]) -> dict[str, str]:
    """Parent of every id: a message's own In-Reply-To (else its last Reference); then
    References chains link missing (ghost) messages. A message without In-Reply-To
    and References is a root even if someone's References list it under another id."""
    parent: dict[str, str] = {}
    for item in items:
        candidates = [i for i in item.parents + item.references[::-1] if i != item.key_id]
        if candidates and not _creates_cycle(parent, item.key_id, candidates[0]):
            parent[item.key_id] = candidates[0]
            item.parent = candidates[0]
    real = {item.key_id for item in items}
    for item in items:
        for above, below in itertools.pairwise(item.references):
            if below in parent or below in real or above == below:
                continue
            if not _creates_cycle(parent, below, above):
                parent[below] = above
    return parent


def _sort_key(item: MailItem) -> tuple[bool, float, int]:
    """Chronological, undated messages last, file order breaking ties."""
    return (item.time is None, item.time.timestamp() if item.time else 0.0, item.seq)


def _root(parent: dict[str, str], key: str) -> str:
    seen = set()
    while key in parent and key not in seen:
        seen.add(key)
        key = parent[key]
    return key


def thread_items(items: list[MailItem]) -> list[tuple[str, list[MailItem]]]:
    """Group messages into threads; each thread is ``(root id, messages by date)``."""
    items = _dedupe(items)
    union = _UnionFind()
    for item in items:
        for other in item.parents + item.references:
            union.union(item.key_id, other)
        union.find(item.key_id)
    groups: dict[str, list[MailItem]] = {}
    for item in items:
        groups.setdefault(union.find(item.key_id), []).append(item)
    parent = _link_parents(items)
    threads = []
    for members in groups.values():
        members.sort(key=_sort_key)
        threads.append((_root(parent, members[0].key_id), members))
    return _merge_by_subject(threads)


def _thread_start(members: list[MailItem]) -> datetime | None:
    return next((m.time for m in members if m.time), None)


def _merge_by_subject(
    threads: list[tuple[str, list[MailItem]]],
) -> list[tuple[str, list[MailItem]]]:
    """JWZ step 5, conservatively: a thread whose root is a ghost or a reply joins the
    thread started by a real, non-reply message with the same subject (within 30 days)."""
    starters: dict[str, int] = {}
    for index, (root, members) in enumerate(threads):
        first = members[0]
        is_start = first.key_id == root and not first.parents and not first.references
        subject = normalize_subject(first.subject).lower()
        if is_start and subject and not is_reply_subject(first.subject):
            starters.setdefault(subject, index)
    merged: dict[int, list[MailItem]] = {}
    keep = []
    for index, (root, members) in enumerate(threads):
        first = members[0]
        subject = normalize_subject(first.subject).lower()
        target = starters.get(subject)
        is_follow_up = root != first.key_id or is_reply_subject(first.subject)
        if target is not None and target != index and is_follow_up:
            start, other = _thread_start(threads[target][1]), _thread_start(members)
            if start is None or other is None or abs(other - start) <= SUBJECT_MERGE_WINDOW:
                merged.setdefault(target, []).extend(members)
                continue
        keep.append(index)
    result = []
    for index in keep:
        root, members = threads[index]
        members = members + merged.get(index, [])
        result.append((root, sorted(members, key=_sort_key)))
    return result


# ---------------------------------------------------------------- records


def build_records(source: Path, items: list[MailItem]) -> list[Record]:
    """One email record per thread of ``items`` read from ``source``."""
    records = []
    for root, members in thread_items(items):
        records.append(_record(source, root, members))
    records.sort(key=lambda r: (r.created is None, r.created.timestamp() if r.created else 0.0))
    return records


def _record(source: Path, root: str, members: list[MailItem]) -> Record:
    by_id = {m.key_id: m for m in members}
    head = by_id.get(root) or members[0]
    people: dict[str, Identity] = {}
    members_addresses: list[str] = []
    for item in members:
        for person in [item.author, *item.recipients]:
            key = person.email or person.name.lower()
            if key and key not in people:
                people[key] = person
        members_addresses += [p.email for p in [item.author, *item.recipients] if p.email]
        members_addresses += item.hidden
    lists = sorted({m.list_address for m in members if m.list_address})
    addresses = tuple(sorted(set(members_addresses)))
    times = [m.time for m in members if m.time]
    return Record(
        key=f"mail:{source}:{root}",
        kind="email",
        source=head.fmt,
        source_path=str(source if source.is_file() else head.path),
        title=normalize_subject(head.subject) or "(no subject)",
        created=min(times) if times else None,
        ended=max(times) if times else None,
        participants=list(people.values()),
        channel=_channel(source, head, members),
        thread=root,
        access=Access("mail", addresses, principals=addresses, groups=tuple(lists)),
        messages=[_message(m) for m in members],
    )


def _message(item: MailItem) -> Message:
    return Message(
        author=item.author,
        text=item.text,
        time=item.time,
        locator=item.locator,
        reply_to=f"Message-ID {item.parent}" if item.parent else None,
    )


def _channel(source: Path, head: MailItem, members: list[MailItem]) -> str:
    """The list name if the thread went through a list, else the mailbox or folder name."""
    for item in [head, *members]:
        if item.list_id:
            return item.list_id
    for item in [head, *members]:
        if item.tag:
            return item.tag
    if source.is_file():
        return source.stem if head.fmt == "mbox" else source.parent.name
    folder = head.path.parent
    if folder.name in ("cur", "new", "tmp"):
        folder = folder.parent
    return str(folder.relative_to(source.parent))
