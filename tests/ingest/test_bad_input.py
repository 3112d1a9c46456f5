"""Bad input is read as far as it can be, or skipped with a reason that names the file (and
the line or entry); the rest of the run goes on and what was stored before stays intact."""

from __future__ import annotations

import http.client
import json
import shutil
import stat
import time
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from ingest.pipeline import IngestSummary, ingest
from ingest.readers import chatfile, notes, slack, transcripts
from ingest.sources import MAX_MESSAGE_CHARS, find_sources
from search.store.settings import Settings
from search.store.store import Store
from tests.conftest import SAMPLE_ORG, LiveServer, make_store

SLACK = SAMPLE_ORG / "chat" / "slack-export"
MBOX = SAMPLE_ORG / "mail" / "company.mbox"
MEMO = "# Travel policy\n\nHotel nights are capped at 180 euros in most cities, 250 in London.\n"
NOTE = "# Platform weekly 2025-03-04\n\nPriya reported that dual writes ran for a week.\n"


def stored(store: Store) -> dict[str, tuple[str, ...]]:
    """Every stored document with the text of its chunks, in order."""
    rows = store.catalog._db.execute(
        "SELECT doc_id, text FROM chunks ORDER BY doc_id, position"
    ).fetchall()
    docs: dict[str, tuple[str, ...]] = {}
    for doc_id, text in rows:
        docs[doc_id] = (*docs.get(doc_id, ()), text)
    return docs


@pytest.fixture
def earlier(tmp_path: Path, store: Store) -> dict[str, tuple[str, ...]]:
    return ingest_earlier(tmp_path, store)


def ingest_earlier(tmp_path: Path, store: Store) -> dict[str, tuple[str, ...]]:
    """Two documents ingested before any bad input, as stored."""
    good = tmp_path / "good"
    good.mkdir()
    (good / "travel.md").write_text(MEMO)
    (good / "platform.md").write_text(NOTE)
    assert ingest([good], store).count("new") == 2
    return stored(store)


def ingest_bad(tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]) -> IngestSummary:
    """Ingest ``tmp_path/bad`` and check that the documents stored earlier are untouched."""
    summary = ingest([tmp_path / "bad"], store)
    now = stored(store)
    assert {doc: now.get(doc) for doc in earlier} == earlier
    vectors = set(store.vectors._collection.get(include=[])["ids"])
    catalog = {r[0] for r in store.catalog._db.execute("SELECT chunk_id FROM chunks")}
    assert vectors == catalog
    return summary


def failure(summary: IngestSummary, path: Path) -> str:
    [reason] = [o.reason for o in summary.outcomes if o.path == str(path) and o.status == "failed"]
    return reason


def warnings(summary: IngestSummary) -> list[str]:
    return [str(p) for p in summary.problems]


def zip_folder(folder: Path, target: Path) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
    for file in sorted(folder.rglob("*.json")):
        archive.write(file, str(file.relative_to(folder)))
    return archive


# --- archives ---------------------------------------------------------------------------------


def test_zip_bombs_are_refused_before_anything_is_read(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", max_zip_bytes=10_000_000)
    earlier = ingest_earlier(tmp_path, store)
    bad = tmp_path / "bad"
    bad.mkdir()
    with zip_folder(SLACK, bad / "export.zip") as archive:  # 30 MB of spaces in a 30 KB zip
        archive.writestr("general/2025-01-01.json", b"[" + b" " * 30_000_000 + b"]")
    with zipfile.ZipFile(bad / "deck.pptx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/slides/slide1.xml", b"<a>" + b" " * 30_000_000 + b"</a>")
    (bad / "memo.md").write_text(MEMO.replace("Travel", "Expense"))
    assert (bad / "export.zip").stat().st_size < 100_000
    summary = ingest_bad(tmp_path, store, earlier)
    assert "over the 10000000-byte limit" in failure(summary, bad / "export.zip")
    assert "over the 10000000-byte limit" in failure(summary, bad / "deck.pptx")
    assert summary.count("new") == 1  # the memo next to them
    store.close()


def test_unsafe_and_symlink_zip_entries_are_skipped_and_the_rest_is_read(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    with zip_folder(SLACK, bad / "export.zip") as archive:
        archive.writestr("../evil/2025-01-01.json", "[]")
        archive.writestr("/etc/2025-01-01.json", "[]")
        archive.writestr("general/../../2025-01-01.json", "[]")
        link = zipfile.ZipInfo("general/2025-12-31.json")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    summary = ingest_bad(tmp_path, store, earlier)
    assert summary.count("new") == 1
    zip_path = bad / "export.zip"
    assert set(warnings(summary)) >= {
        f"{zip_path} (entry ../evil/2025-01-01.json): unsafe path in zip skipped",
        f"{zip_path} (entry /etc/2025-01-01.json): unsafe path in zip skipped",
        f"{zip_path} (entry general/../../2025-01-01.json): unsafe path in zip skipped",
        f"{zip_path} (entry general/2025-12-31.json): symlink in zip skipped",
    }
    paths = {r[0] for r in store.catalog._db.execute("SELECT source_path FROM chunks")}
    assert not any("evil" in p or "etc" in p or "2025-12-31" in p for p in paths)


def test_a_symlink_out_of_a_slack_export_folder_is_not_followed(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(SLACK, export)
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps([{"ts": "1735689600.0", "user": "U1", "text": "s3cr3t"}]))
    (export / "general" / "2025-01-01.json").symlink_to(secret)
    result = slack.read(export)
    assert not any("s3cr3t" in m.text for r in result.records for m in r.messages)
    assert any(p.path == str(export / "general" / "2025-01-01.json") for p in result.problems)


def test_a_symlink_loop_in_a_folder_is_walked_once(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "memo.md").write_text(MEMO)
    (folder / "again").symlink_to(folder)
    (folder / "up").symlink_to(tmp_path)
    assert [s.path.name for s in find_sources([tmp_path])] == ["memo.md"]


# --- size ---------------------------------------------------------------------------------


def test_a_100_mb_message_is_cut_and_reported_and_the_mailbox_read(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    line = b"the quarterly numbers are in the appendix of this very long message\n"
    with (bad / "huge.mbox").open("wb") as f:  # written in pieces: memory stays small
        f.write(MBOX.read_bytes().rstrip(b"\n") + b"\n\n")
        f.write(b"From huge@example.com Fri Mar  7 10:00:00 2025\nFrom: huge@example.com\n")
        f.write(b"To: all@example.com\nSubject: Appendix\nMessage-ID: <huge@example.com>\n")
        f.write(b"Date: Fri, 07 Mar 2025 10:00:00 +0000\n\n")
        for _ in range(100_000_000 // (len(line) * 1000) + 1):
            f.write(line * 1000)
    assert (bad / "huge.mbox").stat().st_size > 100_000_000
    started = time.monotonic()
    summary = ingest_bad(tmp_path, store, earlier)
    assert time.monotonic() - started < 300
    assert summary.count("new") == 1
    assert f"{bad / 'huge.mbox'} (Message-ID <huge@example.com>): text of " in "".join(
        warnings(summary)
    )
    texts = store.catalog._db.execute("SELECT text FROM chunks").fetchall()
    assert sum(len(t[0]) for t in texts) < 3 * MAX_MESSAGE_CHARS + 500_000
    assert any("Appendix" in t[0] or "quarterly numbers" in t[0] for t in texts)


def test_a_100_mb_chat_line_is_cut_and_the_lines_around_it_are_read(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    with path.open("w") as f:
        f.write('{"timestamp": "2025-03-05T14:01:00Z", "author": "Ann", "text": "before"}\n')
        f.write('{"timestamp": "2025-03-05T14:02:00Z", "author": "Bob", "text": "')
        for _ in range(1000):
            f.write("lorem ipsum dolor " * 5_600)
        f.write('"}\n{"timestamp": "2025-03-05T14:03:00Z", "author": "Cy", "text": "after"}\n')
    from ingest.sources import bounded

    result = bounded(chatfile.read(path))
    [record] = result.records
    assert [len(m.text) for m in record.messages] == [6, MAX_MESSAGE_CHARS, 5]
    assert [str(p) for p in result.problems] == [
        f"{path} (line 2): text of 100,799,999 characters cut to 100,000 (too long)"
    ]


def test_a_100_mb_notes_file_is_read_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "minutes.md"
    with path.open("w") as f:
        f.write("# Minutes\n\n")
        for _ in range(1000):
            f.write("Everyone agreed to ship on Friday after the review.\n" * 2_000)
    result = notes.read(path)
    [record] = result.records
    assert record.title == "Minutes"
    assert sum(len(s.text) for s in record.sections) <= notes.MAX_FILE_BYTES
    [problem] = result.problems
    assert problem.reason.startswith("only the first ") and problem.reason.endswith(
        " bytes read (too long)"
    )
    assert result.problems[0].path == str(path)


# --- structure --------------------------------------------------------------------------------


def test_json_nested_10000_deep_is_reported_and_the_rest_is_read(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    bad = tmp_path / "bad"
    export = bad / "export"
    shutil.copytree(SLACK, export)
    deep = "[" * 10_000 + "]" * 10_000
    (export / "general" / "2025-01-06.json").write_text(deep)
    (bad / "chat.jsonl").write_text(
        '{"timestamp": "2025-03-05T14:01:00Z", "author": "Ann", "text": "hello"}\n'
        f'{{"timestamp": "2025-03-05T14:02:00Z", "author": "Bob", "text": {deep}}}\n'
    )
    (bad / "deep.json").write_text(deep)
    (bad / "deep.jsonl").write_text(deep + "\n")
    summary = ingest_bad(tmp_path, store, earlier)
    assert summary.count("new") == 2 and summary.count("failed") == 0
    assert set(warnings(summary)) >= {
        f"{export / 'general' / '2025-01-06.json'}: invalid JSON: nested too deep",
        f"{bad / 'chat.jsonl'} (line 2): invalid JSON: nested too deep",
    }
    skipped = {o.path for o in summary.outcomes if o.status == "skipped"}
    assert skipped == {str(bad / "deep.json"), str(bad / "deep.jsonl")}


def test_invalid_and_mixed_encodings_are_read_and_reported(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    mixed = "# Café notes\n\nThe résumé is ready. ".encode() + "Zoë said: naïve".encode("cp1252")
    (bad / "mixed.md").write_bytes(mixed + b" \x81\xff end\n")
    (bad / "chat.jsonl").write_bytes(
        b'{"timestamp": "2025-03-05T14:01:00Z", "author": "Ann", "text": "caf\xe9 ol\xc3\xa9"}\n'
    )
    (bad / "talk.vtt").write_bytes(
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>d\xe9j\xe0 vu\n"
    )
    summary = ingest_bad(tmp_path, store, earlier)
    assert summary.count("new") == 3
    assert f"{bad / 'mixed.md'}: 4 bytes that are not UTF-8 read as cp1252" in warnings(summary)
    assert f"{bad / 'chat.jsonl'}: 1 bytes not UTF-8 read as cp1252" in warnings(summary)
    text = " ".join(t for doc in stored(store).values() for t in doc)
    assert "The résumé is ready. Zoë said: naïve" in text
    assert "café olé" in text and "déjà vu" in text


def test_binary_files_named_md_or_json_are_refused(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 400
    (bad / "diagram.md").write_bytes(png)
    (bad / "data.json").write_bytes(png)
    (bad / "chat.jsonl").write_bytes(png)
    (bad / "talk.vtt").write_bytes(png)
    (bad / "memo.md").write_text(MEMO.replace("Travel", "Expense"))
    summary = ingest_bad(tmp_path, store, earlier)
    assert failure(summary, bad / "diagram.md") == "binary file, not text"
    assert failure(summary, bad / "talk.vtt") == "binary file, not text"
    assert {o.path for o in summary.outcomes if o.status == "skipped"} == {
        str(bad / "data.json"),
        str(bad / "chat.jsonl"),
    }
    assert summary.count("new") == 1


def test_a_broken_message_in_the_middle_of_an_mbox_loses_no_other_message(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    from ingest.readers import mail

    parts = MBOX.read_bytes().split(b"\nFrom ")
    broken = (
        b"From MAILER-DAEMON Thu Jan  1 00:00:00 2025\nContent-Type: multipart/mixed; "
        b'boundary="zz"\nSubject: =?utf-8?b?!!!?=\nDate: not a date\nFrom: <<<>>>\n\n'
        b"--zz\nContent-Transfer-Encoding: base64\n\n!!!not base64\xff\xfe\n"
    )
    middle = len(parts) // 2
    bad = tmp_path / "bad"
    bad.mkdir()
    data = (
        b"\nFrom ".join(parts[:middle])
        + b"\n\n"
        + broken
        + b"\nFrom "
        + b"\nFrom ".join(parts[middle:])
    )
    (bad / "company.mbox").write_bytes(data)
    summary = ingest_bad(tmp_path, store, earlier)
    assert summary.count("new") == 1
    original = {m.text for r in mail.read(MBOX).records for m in r.messages}
    read = {m.text for r in mail.read(bad / "company.mbox").records for m in r.messages}
    assert original <= read and len(read) == len(original) + 1


def test_a_slack_export_without_users_json_is_read_with_user_ids(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    export = tmp_path / "bad" / "export"
    shutil.copytree(SLACK, export)
    (export / "users.json").unlink()
    summary = ingest_bad(tmp_path, store, earlier)
    assert [o.path for o in summary.outcomes] == [str(export)]
    assert summary.outcomes[0].documents == len(slack.read(SLACK).records)
    assert f"{export / 'users.json'}: missing: people are named by their user ids" in warnings(
        summary
    )


def test_overlapping_and_backward_vtt_cues_are_all_read_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "overlap.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:05.000 --> 00:00:10.000\n<v Ann>We ship Friday.\n\n"
        "00:00:02.000 --> 00:00:08.000\n<v Bob>No, Monday.\n\n"
        "00:00:09.000 --> 00:00:03.000\n<v Cy>Backwards cue.\n"
    )
    [record] = transcripts.read(path).records
    assert [(m.author.name, m.text) for m in record.messages] == [
        ("Ann", "We ship Friday."),
        ("Bob", "No, Monday."),
        ("Cy", "Backwards cue."),
    ]


def test_dates_of_year_0_and_9999_are_read_or_reported_by_line(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "y0.md").write_text(
        "---\ntitle: Year zero\ndate: 0000-01-01\n---\n# Year zero\n\nText.\n"
    )
    (bad / "y9999.md").write_text("---\ntitle: Far\ndate: 9999-12-31\n---\n# Far\n\nFar text.\n")
    (bad / "chat.jsonl").write_text(
        '{"timestamp": "0000-01-01T00:00:00Z", "author": "Ann", "text": "zero"}\n'
        '{"timestamp": "9999-12-31T23:59:59-12:00", "author": "Bob", "text": "far"}\n'
        '{"timestamp": "2025-03-05T14:01:00Z", "author": "Cy", "text": "now"}\n'
    )
    (bad / "far.eml").write_text(
        "From: a@example.com\nTo: b@example.com\nSubject: Far mail\nMessage-ID: <far@example.com>\n"
        "Date: Fri, 31 Dec 9999 23:59:59 -1200\n\nThe far future.\n"
    )
    summary = ingest_bad(tmp_path, store, earlier)
    assert summary.count("new") == 4 and summary.count("failed") == 0
    assert {w.split(": bad timestamp")[0] for w in warnings(summary) if "bad timestamp" in w} == {
        f"{bad / 'chat.jsonl'} (line 1)",
        f"{bad / 'chat.jsonl'} (line 2)",
    }
    assert any(w.startswith(f"{bad / 'y0.md'} (line 1): ") for w in warnings(summary))
    rows = dict(store.catalog._db.execute("SELECT title, created FROM documents").fetchall())
    assert rows["Far"] is not None and rows["Year zero"] is not None
    assert rows["Far mail"] is None  # a date in year 10000 (UTC) is no date


# --- queries ----------------------------------------------------------------------------------


def get(url: str, path: str) -> tuple[int, bytes]:
    """A GET with whatever request line it is given (httpx refuses URLs this long)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_100_kb_query_gets_a_4xx_naming_it_and_the_server_stays_up(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    query = "hotel " * 17_000  # 102,000 characters
    settings = Settings(home=store.settings.home)
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        started = time.monotonic()
        for endpoint in ("/search", "/experts"):
            status, body = get(server.url, f"{endpoint}?{urlencode({'q': query})}")
            assert 400 <= status < 500, (endpoint, status, body[:200])
            if status == 422:
                assert json.loads(body)["detail"][0]["loc"] == ["query", "q"]
        asked = client.post("/ask", json={"question": query})
        assert asked.status_code == 422
        assert asked.json()["detail"][0]["loc"] == ["body", "question"]
        assert time.monotonic() - started < 20
        assert client.get("/healthz").json() == {"status": "ok"}
        hits = client.get("/search", params={"q": "hotel nights London"}).json()["hits"]
        assert hits[0]["title"] == "Travel policy"


def test_lone_surrogates_and_non_utf8_file_names_do_not_stop_the_run(
    tmp_path: Path, store: Store, earlier: dict[str, tuple[str, ...]]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "chat.jsonl").write_text(
        '{"timestamp": "2025-03-05T14:01:00Z", "author": "Ann\\ud800", "text": "half \\udfff"}\n'
    )
    latin1 = bad / b"caf\xe9.md".decode("utf-8", "surrogateescape")
    latin1.write_text(MEMO)
    summary = ingest_bad(tmp_path, store, earlier)
    assert summary.count("new") == 1
    [skipped] = [o for o in summary.outcomes if o.status == "skipped"]
    assert skipped.reason == "name is not UTF-8: 'caf\\udce9.md'"
    assert any("half \ufffd" in t for doc in stored(store).values() for t in doc)
