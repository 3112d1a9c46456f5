"""Tests for the e-mail reader (mbox, .eml, .msg, mail folders) and its text helpers."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.readers import mail
from ingest.readers.mailtext import (
    calendar_summary,
    clean_body,
    decode_bytes,
    decode_header,
    html_to_text,
    normalize_subject,
    parse_date,
)
from ingest.records import ReadError
from tests.conftest import SHARED

SAMPLES = SHARED / "samples" / "email"


def message(
    mid: str | None = "<1@example.com>",
    subject: str = "Plans",
    sender: str = "Alice Example <alice@example.com>",
    to: str = "Bob <bob@example.com>",
    date: str | None = "Mon, 01 Jan 2024 10:00:00 +0100",
    in_reply_to: str | None = None,
    references: str | None = None,
    body: str = "Hello Bob.",
    headers: str = "",
) -> str:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if date is not None:
        lines.append(f"Date: {date}")
    if mid is not None:
        lines.append(f"Message-ID: {mid}")
    if in_reply_to is not None:
        lines.append(f"In-Reply-To: {in_reply_to}")
    if references is not None:
        lines.append(f"References: {references}")
    if headers:
        lines.append(headers.strip("\n"))
    return "\n".join(lines) + "\n\n" + body + "\n"


def mbox(*messages: str) -> str:
    return "".join(f"From sender@example.com Mon Jan  1 10:00:00 2024\n{m}\n" for m in messages)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def read_one(path: Path):
    result = mail.read(path)
    assert len(result.records) == 1, [r.title for r in result.records]
    return result.records[0]


# ---------------------------------------------------------------- detection


def test_detects_mbox_by_from_line_even_without_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "Inbox", mbox(message()))
    assert mail.detect(path)


def test_detects_eml_msg_and_mbox_extensions(tmp_path: Path) -> None:
    assert mail.detect(write(tmp_path / "a.eml", message()))
    assert mail.detect(write(tmp_path / "b.mbox", mbox(message())))
    assert mail.detect(write(tmp_path / "c.msg", mail.OLE_MAGIC + b"\0" * 100))
    assert not mail.detect(write(tmp_path / "d.msg", b"not an outlook file"))


def test_does_not_detect_prose_or_notes_as_mail(tmp_path: Path) -> None:
    assert not mail.detect(write(tmp_path / "notes.txt", "From the desk of Bob\n\nHello\n"))
    assert not mail.detect(write(tmp_path / "memo.md", message()))
    assert not mail.detect(write(tmp_path / "memo.txt", "From: Bob\nTo: all\n\nHi\n"))


def test_detects_maildir_and_folder_of_messages_as_one_source(tmp_path: Path) -> None:
    write(tmp_path / "box" / "cur" / "1700000000.M1P1.host:2,S", message())
    write(tmp_path / "box" / "new" / "1700000001.M2P2.host", message(mid="<2@example.com>"))
    (tmp_path / "box" / "tmp").mkdir()
    write(tmp_path / "emls" / "a.eml", message())
    assert mail.detect(tmp_path / "box")
    assert mail.detect(tmp_path / "emls")


def test_folder_with_other_files_is_not_claimed(tmp_path: Path) -> None:
    write(tmp_path / "mixed" / "a.eml", message())
    write(tmp_path / "mixed" / "README.md", "# notes\n")
    assert not mail.detect(tmp_path / "mixed")
    assert not mail.detect(tmp_path / "empty-dir-does-not-exist")


# ---------------------------------------------------------------- threading


def test_threads_group_across_maildir_files(tmp_path: Path) -> None:
    box = tmp_path / "Work"
    write(box / "cur" / "1", message(mid="<root@x>", subject="Budget"))
    write(
        box / "new" / "2",
        message(
            mid="<reply@x>",
            subject="Re: Budget",
            sender="Bob <bob@example.com>",
            date="Tue, 02 Jan 2024 09:00:00 +0000",
            in_reply_to="<root@x>",
            references="<root@x>",
            body="Agreed.",
        ),
    )
    write(box / "cur" / "3", message(mid="<other@x>", subject="Lunch"))
    records = mail.read(box).records
    assert [len(r.messages) for r in records] == [2, 1]
    budget = records[0]
    assert budget.key == f"mail:{box.resolve()}:<root@x>"
    assert budget.source_path == str((box / "cur" / "1").resolve())
    assert budget.channel == "Work"
    assert [m.locator for m in budget.messages] == ["Message-ID <root@x>", "Message-ID <reply@x>"]
    assert budget.messages[1].reply_to == "Message-ID <root@x>"


def test_replies_to_a_missing_root_stay_in_one_thread(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ghost.mbox",
        mbox(
            message(mid="<a@x>", subject="Re: Q", in_reply_to="<gone@x>", references="<gone@x>"),
            message(
                mid="<b@x>",
                subject="Re: Q",
                date="Mon, 01 Jan 2024 12:00:00 +0000",
                in_reply_to="<a@x>",
                references="<gone@x> <a@x>",
            ),
            message(
                mid="<c@x>",
                subject="Re: Q",
                date="Mon, 01 Jan 2024 13:00:00 +0000",
                references="<gone@x>",
            ),
        ),
    )
    record = read_one(path)
    assert record.thread == "<gone@x>"
    assert record.key.endswith(":<gone@x>")
    assert len(record.messages) == 3
    assert record.title == "Q"


def test_in_reply_to_wins_over_conflicting_references(tmp_path: Path) -> None:
    path = write(
        tmp_path / "conflict.mbox",
        mbox(
            message(mid="<root@x>", subject="root"),
            message(
                mid="<child@x>",
                subject="child",
                date="Mon, 01 Jan 2024 11:00:00 +0000",
                in_reply_to="<root@x>",
                references="<r00t-typo@x>",
            ),
            message(
                mid="<grandchild@x>",
                subject="grand-child",
                date="Mon, 01 Jan 2024 12:00:00 +0000",
                in_reply_to="<child@x>",
                references="<child@x> <root@x>",
            ),
        ),
    )
    record = read_one(path)
    assert record.thread == "<root@x>"
    assert [m.reply_to for m in record.messages] == [
        None,
        "Message-ID <root@x>",
        "Message-ID <child@x>",
    ]


def test_free_text_in_reply_to_is_parsed_and_broken_one_ignored(tmp_path: Path) -> None:
    free = message(
        mid="<r@x>",
        in_reply_to="Bob's message of Sat, 7 Apr 2007 00:53:46 +0300 <p@x>",
        subject="Re: Plans",
    )
    broken = message(mid="<s@x>", in_reply_to="<p@x", subject="Re: Plans")
    assert read_one(write(tmp_path / "free.eml", free)).messages[0].reply_to == "Message-ID <p@x>"
    assert read_one(write(tmp_path / "broken.eml", broken)).messages[0].reply_to is None


def test_thread_whose_root_id_was_rewritten_merges_by_subject(tmp_path: Path) -> None:
    path = write(
        tmp_path / "list.mbox",
        mbox(
            message(mid="<start@gmail.com>", subject="[Dev] Docker images"),
            message(
                mid="<r1@x>",
                subject="[Dev] Docker images",
                date="Tue, 02 Jan 2024 10:00:00 +0000",
                in_reply_to="<start@example.com>",
                references="<start@example.com>",
            ),
        ),
    )
    record = read_one(path)
    assert record.thread == "<start@gmail.com>"
    assert record.title == "Docker images"
    assert record.channel == "Dev"


def test_unrelated_messages_with_same_subject_stay_apart(tmp_path: Path) -> None:
    path = write(
        tmp_path / "weekly.mbox",
        mbox(
            message(mid="<w1@x>", subject="Weekly sync"),
            message(mid="<w2@x>", subject="Weekly sync"),
        ),
    )
    assert len(mail.read(path).records) == 2


def test_exact_duplicate_deliveries_are_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "dups.mbox", mbox(message(), message(), message(date=None)))
    record = read_one(path)
    assert len(record.messages) == 1


# ---------------------------------------------------------------- record fields


def test_record_fields_from_headers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "list.mbox",
        mbox(
            message(
                subject="Re: [devel] Fwd: Release plan",
                to="Bob <Bob@Example.com>, carol@example.com",
                headers="Cc: Dan <dan@example.com>\nBcc: eve@example.com\n"
                "List-Id: Development list <devel.lists.example.org>",
            )
        ),
    )
    record = read_one(path)
    assert record.kind == "email"
    assert record.source == "mbox"
    assert record.source_path == str(path.resolve())
    assert record.title == "Release plan"
    assert record.channel == "devel"
    assert [(p.name, p.email) for p in record.participants] == [
        ("Alice Example", "alice@example.com"),
        ("Bob", "bob@example.com"),
        ("", "carol@example.com"),
        ("Dan", "dan@example.com"),
    ]
    assert record.access.scope == "mail"
    assert "eve@example.com" in record.access.members
    assert record.messages[0].author.email == "alice@example.com"
    assert record.messages[0].time == datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    assert record.created == record.ended == record.messages[0].time


def test_missing_or_broken_date_gives_none(tmp_path: Path) -> None:
    assert read_one(write(tmp_path / "a.eml", message(date=None))).messages[0].time is None
    broken = message(date="RANDOM_Wed, 21 Sep 2016 22:42:07 +0300")
    assert read_one(write(tmp_path / "b.eml", broken)).messages[0].time is None
    assert parse_date("Thu Jan 01 00:00:10 +0000") is None
    assert parse_date("Fri,  6 Apr 2007 15:43:55 -0700 (PDT)") == datetime(
        2007, 4, 6, 22, 43, 55, tzinfo=UTC
    )


def test_message_without_id_is_located_by_position(tmp_path: Path) -> None:
    path = write(tmp_path / "noid.mbox", mbox(message(mid=None), message(mid=None, body="Two")))
    locators = sorted(m.locator for r in mail.read(path).records for m in r.messages)
    assert locators == ["message 1", "message 2"]


def test_pipermail_at_addresses_and_subject_tag_channel(tmp_path: Path) -> None:
    text = (
        "From andy at example.com  Sat Nov 14 21:29:28 2015\n"
        "From: andy at example.com (Andy Grunwald)\n"
        "Date: Sat, 14 Nov 2015 21:29:28 +0100\n"
        "Subject: [Metrics-grimoire] Docker\n"
        "Message-ID: <m@x>\n\nHey\n"
    )
    record = read_one(write(tmp_path / "2015-November.txt", text))
    assert (record.participants[0].name, record.participants[0].email) == (
        "Andy Grunwald",
        "andy@example.com",
    )
    assert record.channel == "Metrics-grimoire"


# ---------------------------------------------------------------- bodies


def test_quoted_reply_attribution_and_signature_are_removed() -> None:
    body = (
        "Sounds good to me.\n\n"
        "On Sat, 2015-11-14 at 21:29 +0100, Andy Grunwald\nwrote:\n"
        "> Hey,\n> old text\n"
        "-- \nhttp://twitter.com/someone\n"
    )
    assert clean_body(body)[0] == "Sounds good to me."


def test_localized_and_supercite_attributions_are_removed() -> None:
    czech = "Dne 10.7.2012 13:48, Paul Howarth napsal(a):\n> quoted\n\nThanks."
    supercite = "Twas brillig at 14:00 when lars did gyre:\n\n LK> quoted\n\nSee the patch."
    assert clean_body(czech)[0] == "Thanks."
    assert clean_body(supercite)[0] == "See the patch."


def test_outlook_original_message_blocks_are_removed() -> None:
    dashes = "Yes.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\n\nOld text"
    rule = "Yes.\n\n   _____\n\nFrom: Slava [mailto:s@x]\nSent: Tuesday\nTo: T\n\nOld"
    assert clean_body(dashes)[0] == "Yes."
    assert clean_body(rule)[0] == "Yes."


def test_forwarded_headers_at_the_top_are_kept() -> None:
    text = "From: Bob\nSent: Monday\nSubject: facts\n\nThe facts."
    assert clean_body(text)[0] == text


def test_pipermail_next_part_scrubbing_and_list_footer_are_removed() -> None:
    body = (
        "Real text.\n"
        "_______________________________________________\n"
        "Devel mailing list\nhttps://lists.example.org/listinfo/devel\n"
        "-------------- next part --------------\n"
        "An HTML attachment was scrubbed...\nURL: <http://x/attachment.htm>\n"
        "-------------- next part --------------\n"
        "A non-text attachment was scrubbed...\nName: report.pdf\nType: application/pdf\n"
        "-------------- next part --------------\n"
        "A non-text attachment was scrubbed...\nName: signature.asc\n"
        "Type: application/pgp-signature\n"
    )
    assert clean_body(body) == ("Real text.", ["report.pdf"])


def test_html_only_mail_is_converted_to_text_without_quoted_history(tmp_path: Path) -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Bonjour,</p><p>Vous connaissez&nbsp;?</p><ul><li>un</li><li>deux</li></ul>"
        '<div class="gmail_quote">On Mon, Jan 1, 2024 at 10:00 Bob wrote:<br>'
        "<blockquote>old message</blockquote></div></body></html>"
    )
    headers = "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8"
    record = read_one(write(tmp_path / "h.eml", message(body=html, headers=headers)))
    assert record.messages[0].text == "Bonjour,\n\nVous connaissez ?\n\n- un\n- deux"
    assert html_to_text('<input value="a>b">hunter2') == "hunter2"


def test_plain_text_alternative_is_preferred_over_html(tmp_path: Path) -> None:
    body = (
        "--B\nContent-Type: text/plain; charset=utf-8\n\nThe plain part.\n"
        "--B\nContent-Type: text/html; charset=utf-8\n\n<p>The HTML part.</p>\n--B--\n"
    )
    headers = 'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="B"'
    record = read_one(write(tmp_path / "alt.eml", message(body=body, headers=headers)))
    assert record.messages[0].text == "The plain part."


def test_attachments_are_noted_and_signatures_ignored(tmp_path: Path) -> None:
    pdf = base64.b64encode(b"%PDF-1.4 fake").decode()
    body = (
        "--B\nContent-Type: text/plain; charset=ISO-8859-15; format=flowed\n\n"
        "Voil\xe0 le rapport \nen pi\xe8ce jointe.\n"
        f"--B\nContent-Type: application/pdf; name=r.pdf\nContent-Disposition: attachment; "
        f'filename="r.pdf"\nContent-Transfer-Encoding: base64\n\n{pdf}\n'
        "--B\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\n--B--\n"
    )
    headers = 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"'
    raw = message(body=body, headers=headers).encode("latin-1")
    record = read_one(write(tmp_path / "att.eml", raw))
    assert record.messages[0].text == "Voilà le rapport en pièce jointe.\n\n[attachment: r.pdf]"


def test_signed_message_reads_its_content(tmp_path: Path) -> None:
    body = (
        "--S\nContent-Type: text/plain; charset=us-ascii\n\nSigned words.\n"
        "--S\nContent-Type: application/pgp-signature; name=signature.asc\n\nsig\n--S--\n"
    )
    headers = 'MIME-Version: 1.0\nContent-Type: multipart/signed; boundary="S"'
    record = read_one(write(tmp_path / "signed.eml", message(body=body, headers=headers)))
    assert record.messages[0].text == "Signed words."


def test_calendar_invite_is_summarised() -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY;LANGUAGE=en:Design review\r\n"
        "DTSTART;TZID=Europe/Paris:20240527T140000\r\nDTEND;TZID=Europe/Paris:2024052\r\n"
        " 7T143000\r\nLOCATION:Room 4\r\nORGANIZER;CN=Ann:mailto:ann@x\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert calendar_summary(ics) == (
        "[calendar: Design review; when: 2024-05-27 14:00 (Europe/Paris) to "
        "2024-05-27 14:30 (Europe/Paris); where: Room 4; organizer: Ann]"
    )


def test_digest_parts_are_rendered_as_forwarded_messages(tmp_path: Path) -> None:
    body = (
        "--D\nContent-Type: message/rfc822\n\nFrom: eve@x\nSubject: First\n\nFirst body.\n"
        "--D\nContent-Type: message/rfc822\n\nFrom: frank@x\nSubject: Second\n\nSecond body.\n"
        "--D--\n"
    )
    headers = 'MIME-Version: 1.0\nContent-Type: multipart/digest; boundary="D"'
    text = read_one(write(tmp_path / "digest.eml", message(body=body, headers=headers)))
    assert text.messages[0].text == (
        "[forwarded message]\nFrom: eve@x\nSubject: First\n\nFirst body.\n\n"
        "[forwarded message]\nFrom: frank@x\nSubject: Second\n\nSecond body."
    )


# ---------------------------------------------------------------- charsets


def test_rfc2047_headers_are_decoded() -> None:
    assert decode_header("=?ISO-8859-2?Q?V=EDt_Ondruch?=") == "Vít Ondruch"
    assert decode_header("=?windows-1255?B?UkU6IPns5e0=?=") == "RE: שלום"
    assert decode_header("=?utf-8?q?a?=\n =?utf-8?q?b?=") == "ab"
    assert decode_header("=?non-existing?Q?caf=C3=A9?=") == "café"


def test_undeclared_and_unknown_charsets_fall_back() -> None:
    assert decode_bytes("café".encode("cp1252")) == "café"
    assert decode_bytes("“quoted”".encode("cp1252"), None) == "“quoted”"
    assert decode_bytes("naïve".encode(), "non-existing-codec") == "naïve"
    assert decode_bytes("中文".encode("gb18030"), "gb2312") == "中文"


def test_raw_8bit_header_and_unknown_body_charset(tmp_path: Path) -> None:
    raw = message(
        sender="Lucía <lucia@example.com>",
        body="Ol\xe1",
        headers="Content-Type: text/plain; charset=non-existing-codec",
    ).encode("latin-1")
    record = read_one(write(tmp_path / "raw.eml", raw))
    assert record.messages[0].author.name == "Lucía"
    assert record.messages[0].text == "Olá"


def test_gb2312_body_is_decoded(tmp_path: Path) -> None:
    head = message(body="", headers="Content-Type: text/plain; charset=gb2312").encode()
    record = read_one(write(tmp_path / "gb.eml", head + "你好\uff0c世界".encode("gb2312")))
    assert record.messages[0].text == "你好\uff0c世界"


def test_utf16_whole_message_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "u16.eml", message(subject="Test Email").encode("utf-16-le"))
    assert mail.detect(path)
    record = read_one(path)
    assert record.title == "Test Email"
    assert record.messages[0].text == "Hello Bob."


# ---------------------------------------------------------------- errors


def test_file_without_messages_raises_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError):
        mail.read(write(tmp_path / "junk.eml", "just some words\nwithout headers\n"))
    with pytest.raises(ReadError):
        mail.read(write(tmp_path / "empty.eml", ""))
    with pytest.raises(ReadError):
        mail.read(write(tmp_path / "corrupt.msg", mail.OLE_MAGIC + b"\x00garbage" * 10))


def test_broken_message_is_skipped_with_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = mail.message_text

    def fragile(msg):
        if "BOOM" in str(msg.get_payload()):
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "bad byte")
        return real(msg)

    monkeypatch.setattr(mail, "message_text", fragile)
    path = write(
        tmp_path / "box.mbox",
        mbox(message(), message(mid="<2@x>", body="BOOM"), message(mid="<3@x>", subject="Other")),
    )
    result = mail.read(path)
    assert sum(len(r.messages) for r in result.records) == 2
    assert [(p.where, "bad byte" in p.reason) for p in result.problems] == [("message 2", True)]


def test_unreadable_file_in_a_mail_folder_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "box" / "good.eml", message())
    write(tmp_path / "box" / "empty.eml", "")
    result = mail.read(tmp_path / "box")
    assert len(result.records) == 1
    assert [p.where for p in result.problems] == ["message file empty.eml"]


def test_subject_normalization_keeps_patch_tags() -> None:
    assert normalize_subject("Re: [notmuch] [PATCH 1/2] Close file") == "[PATCH 1/2] Close file"
    assert normalize_subject("AW: Re[2]: Fwd: Hello") == "Hello"


# ---------------------------------------------------------------- real samples


def sample(*parts: str) -> Path:
    path = SAMPLES.joinpath(*parts)
    if not path.exists():
        pytest.skip("shared samples not available")
    return path


def counts(path: Path) -> tuple[int, int]:
    records = mail.read(path).records
    return len(records), sum(len(r.messages) for r in records)


@pytest.mark.parametrize(
    ("name", "threads", "messages"),
    [
        ("pipermail__pipermail_2015_november.mbox", 1, 4),
        ("pipermail__pipermail_2016_april.mbox", 1, 3),
        ("pipermail__pipermail_2016_march.mbox", 1, 1),
        ("mbox__mbox_complex.mbox", 2, 2),
        ("mbox__mbox_multipart.mbox", 2, 2),
        ("mbox__mbox_no_fields.mbox", 3, 3),
        ("mbox__mbox_single.mbox", 1, 1),
        ("mbox__mbox_unknown_encoding.mbox", 1, 1),
        ("mbox__mbox_iso8859_encoding.mbox", 1, 1),
        ("mbox__mbox_unixfrom_encoding.mbox", 1, 1),
    ],
)
def test_sample_perceval_mbox_counts(name: str, threads: int, messages: int) -> None:
    assert counts(sample("perceval-mbox", name)) == (threads, messages)


def test_sample_pipermail_thread_text_and_participants() -> None:
    record = mail.read(sample("perceval-mbox", "pipermail__pipermail_2015_november.mbox")).records[
        0
    ]
    assert record.title == "Docker and MetricsGrimoire"
    assert [p.email for p in record.participants] == ["andy@example.com", "jgb@gsyc.es"]
    assert record.messages[1].text == "This is cool, Andy.\n\nWhich rights do you need?\n\n\tJesus"
    assert "next part" not in record.messages[0].text


@pytest.mark.parametrize(
    ("folder", "threads", "messages"),
    [
        (("notmuch-corpora", "default"), 24, 52),
        (("notmuch-corpora", "lkml"), 19, 176),
        (("notmuch-corpora", "threading", "ghost-root"), 2, 9),
        (("notmuch-corpora", "threading", "parent-priority"), 1, 3),
        (("notmuch-corpora", "html"), 2, 2),
    ],
)
def test_sample_notmuch_maildir_counts(
    folder: tuple[str, ...], threads: int, messages: int
) -> None:
    path = sample(*folder)
    assert mail.detect(path)
    assert counts(path) == (threads, messages)


def test_sample_ghost_root_threads() -> None:
    records = mail.read(sample("notmuch-corpora", "threading", "ghost-root")).records
    by_root = {r.thread: r for r in records}
    assert len(by_root["<000-real-root@example.org>"].messages) == 6
    assert len(by_root["<87bmc6lp3h.fsf@len.workgroup>"].messages) == 3
    priority = mail.read(sample("notmuch-corpora", "threading", "parent-priority")).records[0]
    assert priority.thread == "<B00-root@example.org>"


def test_sample_calendar_encrypted_and_empty_part_messages() -> None:
    calendar = mail.read(sample("notmuch-corpora", "attachment")).records[0].messages[0]
    assert "[calendar: test [In-person]; when: 2024-05-27 14:00" in calendar.text
    assert calendar.time is None  # "Thu Jan 01 00:00:10 +0000" has no year
    mangled = mail.read(sample("notmuch-corpora", "mangling")).records[0].messages[0]
    assert mangled.text == "[encrypted message]"
    empty = mail.read(sample("notmuch-corpora", "broken")).records[0].messages[0]
    assert empty.text.startswith("Hi, this is the Mlmmj program")


@pytest.mark.parametrize(
    ("name", "title", "author", "snippet"),
    [
        ("non-ascii-headers.eml", "RPM macros", "Vít Ondruch", "I noticed that"),
        ("html-email-2.eml", "blog action day", "Yves Lecourt", "voici des explications"),
        ("attachment-1.eml", "gradle 1.0", "gil", "[attachment: puntogil.vcf]"),
        ("payload-iso8859.eml", "Dummy subject", "Dummy Person", "é è ç à î ï ë"),
        ("payload-unknown.eml", "Dummy subject", "Dummy Person", "unknown content-type"),
        ("pipermail_nextpart.eml", "RPM macros", "Vít Ondruch", "Any opinions?"),
    ],
)
def test_sample_hyperkitty_messages(name: str, title: str, author: str, snippet: str) -> None:
    record = mail.read(sample("hyperkitty-testdata", name)).records[0]
    assert (record.title, record.messages[0].author.name) == (title, author)
    assert snippet in record.messages[0].text


def test_sample_hyperkitty_multi_message_eml_and_in_reply_to_variants() -> None:
    assert counts(sample("hyperkitty-testdata", "non-ascii-headers.eml")) == (4, 6)
    strange = mail.read(sample("hyperkitty-testdata", "strange-in-reply-to-header.eml"))
    assert strange.records[0].messages[0].reply_to == (
        "Message-ID <200704070053.46646.other.person@example.com>"
    )
    wrong = mail.read(sample("hyperkitty-testdata", "wrong-in-reply-to-header.eml"))
    assert wrong.records[0].messages[0].reply_to is None


@pytest.mark.parametrize(
    ("name", "title", "snippet"),
    [
        ("email-no-utf8-2008-07-16.062410.eml", "שלום", "סלבה היקר"),
        ("email-no-utf8-2014-03-17.111517.eml", "Google Account password changed", "Hi Slava"),
        ("fake-email-utf-16-le.eml", "Test Email", "Roses are red"),
        ("fake-email-attachment.eml", "Fake email with attachment", "fake-attachment.txt"),
        ("mime-different-plain-html.eml", "Example MIME Email", "text/plain part"),
        ("mime-word-encoded-subject.eml", "Simple email with ☸☿ Unicode subject", "simple email"),
        ("fake-email.msg", "Test Email", "Violets are blue"),
        ("fake-email-with-cc-and-bcc.msg", "Fake email with cc and bcc recipients", "ignore"),
    ],
)
def test_sample_unstructured_messages(name: str, title: str, snippet: str) -> None:
    record = mail.read(sample("unstructured-example-docs", name)).records[0]
    assert record.title == title
    assert snippet in record.messages[0].text


def test_sample_hebrew_reply_drops_outlook_history() -> None:
    path = sample("unstructured-example-docs", "email-no-utf8-2008-07-16.062410.eml")
    text = mail.read(path).records[0].messages[0].text
    assert "From: Slava" not in text
    assert text.endswith("תמיר")


def test_sample_outlook_msg_recipients() -> None:
    path = sample("unstructured-example-docs", "fake-email-with-cc-and-bcc.msg")
    record = mail.read(path).records[0]
    assert record.source == "msg"
    assert [p.email for p in record.participants] == [
        "johnjennings702@gmail.com",
        "john-ctr@unstructured.io",
        "steve@unstructured.io",
    ]
    assert "hello@unstructured.io" in record.access.members


def test_mail_access_is_its_participants_and_its_mailing_list(tmp_path: Path) -> None:
    path = write(
        tmp_path / "list.mbox",
        mbox(
            message(
                to="Bob <Bob@Example.com>",
                headers="Cc: carol@example.com\nBcc: dan@example.com\n"
                "List-Post: <mailto:Devel@lists.example.com>\n"
                "List-Id: Developers <devel.lists.example.com>",
            ),
            message(
                mid="<2@example.com>",
                in_reply_to="<1@example.com>",
                subject="Re: Plans",
                sender="carol@example.com",
                headers="List-Id: <devel.lists.example.com>",
            ),
        ),
    )
    record = read_one(path)
    people = ("alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com")
    assert record.access.principals == people
    # the List-Post address names the list; a List-Id alone is the list's id
    assert record.access.groups == ("devel.lists.example.com", "devel@lists.example.com")
