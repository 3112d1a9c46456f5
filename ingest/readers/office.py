"""Reader for office documents: .docx, .pptx, .pdf and .html/.htm.

Word, PowerPoint and HTML go through unstructured's ``partition_docx``/``partition_pptx``/
``partition_html``. PDFs are read with pdfminer.six, the text layer unstructured's "fast"
strategy uses, and each text box is classified with unstructured's own ``element_from_text``:
``unstructured.partition.pdf`` itself cannot be imported with what is installed (it needs
``pi_heif`` and ``unstructured_inference``, the ``unstructured[pdf]`` extra).

Elements become :class:`Section` s: a Title starts a section (its heading path follows
``category_depth``), other text goes into the current one, headers, footers, page numbers and
images are dropped; a slide is one section. A Teams transcript pasted into Word becomes a
``transcript`` record with one message per cue.

.odt, .rtf (need pandoc via ``pypandoc``) and .doc (needs LibreOffice) are not handled.
A .docx or .pptx package that would expand past ``max_zip_bytes`` (``MAX_ZIP_BYTES``; the
``WATERCOOLER_MAX_ZIP_BYTES`` setting) is refused before it is opened.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ingest.readers import offline_nlp
from ingest.readers.notes import (
    as_utc,
    attendees_from_block,
    attendees_from_lines,
    clean_person,
    decode_text,
    field_of,
    find_people,
    is_attendee_heading,
    looks_like_meeting_notes,
    parse_date,
    speaker_labels,
)
from ingest.records import Identity, Message, ReadError, Record, Section
from ingest.sources import ReadResult
from search.store.kinds import Kind

if TYPE_CHECKING:
    from unstructured.documents.elements import Element

NAME = "office"
MAX_ZIP_BYTES = 2 * 1024**3
FORMATS: dict[str, str] = {
    ".docx": "docx",
    ".pptx": "pptx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
}

BlockKind = Literal["title", "text", "list", "table"]


@dataclass(slots=True)
class Block:
    """One piece of document content, whatever parser produced it."""

    kind: BlockKind
    text: str
    depth: int | None = None
    page: int | None = None  # page (pdf) or slide (pptx) number
    loose: bool = False  # unclassified text: may turn out to be a heading


@dataclass(slots=True)
class Parsed:
    """A document's content blocks and its own metadata."""

    blocks: list[Block]
    title: str | None = None
    author: str | None = None
    created: datetime | None = None


# ---------------------------------------------------------------------------- reader


def detect(path: Path) -> bool:
    """.docx, .pptx, .pdf, .html and .htm files."""
    return path.suffix.lower() in FORMATS and path.is_file()


def read(path: Path, max_zip_bytes: int = MAX_ZIP_BYTES) -> ReadResult:
    """Read one office document into a single :class:`Record`."""
    path = path.resolve()
    if path.stat().st_size == 0:
        raise ReadError("empty file")
    fmt = FORMATS[path.suffix.lower()]
    if fmt in ("docx", "pptx"):
        _check_expansion(path, max_zip_bytes)
    parsed = PARSERS[fmt](path)
    parsed.blocks = [b for b in parsed.blocks if b.text.strip()]
    if not parsed.blocks:
        raise ReadError(f"no text found in the {fmt} file (scanned or image-only?)")
    return ReadResult(records=[build_record(path, fmt, parsed)])


def _check_expansion(path: Path, max_bytes: int) -> None:
    """Refuse a package whose members declare more than ``max_bytes`` in all (a zip bomb);
    zipfile never inflates a member past its declared size."""
    try:
        with zipfile.ZipFile(path) as package:
            total = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # the parser says what is wrong with it
    if total > max_bytes:
        raise ReadError(f"package expands to {total} bytes, over the {max_bytes}-byte limit")


def build_record(path: Path, fmt: str, parsed: Parsed) -> Record:
    """The record for parsed content: title, kind, sections (or messages), people."""
    title = parsed.title or _first_title(parsed.blocks) or _stem_title(path)
    created, date_source = _date(parsed, path)
    author = [parsed.author] if parsed.author else []
    messages = pasted_transcript(parsed.blocks) if fmt == "docx" else None
    if messages:
        speakers = [m.author.name for m in messages]
        record = _record(path, fmt, "transcript", title, created, [*author, *speakers], messages)
        record.date_source = date_source
        return record
    sections = (
        slide_sections(parsed.blocks)
        if fmt == "pptx"
        else page_sections(parsed.blocks, title, "page" if fmt == "pdf" else "section")
    )
    text = "\n".join(f"{s.heading}\n{s.text}" for s in sections)
    attendees = attendees_from_lines(text.splitlines()) + _attendee_sections(sections)
    known = list(dict.fromkeys([*attendees, *author]))
    _add_people(sections, known)
    meeting = looks_like_meeting_notes(title, path, text, attendees)
    kind: Kind = "meeting_notes" if meeting else "memo"
    record = _record(path, fmt, kind, title, created, known, sections=sections)
    record.date_source = date_source
    return record


def _date(parsed: Parsed, path: Path) -> tuple[datetime, str]:
    """The document's own date (core properties, HTML meta, PDF info: ``properties``), else
    the file name's (``filename``), else the file's modification time (``mtime``)."""
    if parsed.created is not None:
        return parsed.created, "properties"
    if (named := parse_date(path.stem)) is not None:
        return named, "filename"
    return _mtime(path), "mtime"


def _add_people(sections: Sequence[Section], known: Sequence[str]) -> None:
    """Fill each section's people: known names, @mentions and speaker labels."""
    lines = [line for s in sections for line in s.text.splitlines()]
    speakers = speaker_labels(lines, known)
    for section in sections:
        section.people = find_people(section.text, known, speakers)


def _record(
    path: Path,
    fmt: str,
    kind: Kind,
    title: str,
    created: datetime,
    people: Sequence[str],
    messages: list[Message] | None = None,
    sections: list[Section] | None = None,
) -> Record:
    return Record(
        key=f"file:{path}",
        kind=kind,
        source=fmt,
        source_path=str(path),
        title=title,
        created=created,
        participants=[Identity(name=name) for name in dict.fromkeys(people)],
        sections=sections or [],
        messages=messages or [],
    )


def _first_title(blocks: Sequence[Block]) -> str | None:
    return next((b.text for b in blocks if b.kind == "title"), None)


def _stem_title(path: Path) -> str:
    return " ".join(path.stem.replace("_", " ").split()) or path.name


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _attendee_sections(sections: Sequence[Section]) -> list[str]:
    names: list[str] = []
    for section in sections:
        if is_attendee_heading(section.heading.split(" > ")[-1]):
            names += attendees_from_block(section.text.splitlines())
    return names


# ---------------------------------------------------------------------------- sections


@dataclass(slots=True)
class _Draft:
    heading: str
    page: int | None
    blocks: list[Block] = field(default_factory=list)


def page_sections(
    blocks: Sequence[Block], title: str, unit: Literal["page", "section"]
) -> list[Section]:
    """Sections split at titles; heading path by ``category_depth`` (flat when unknown).

    ``unit`` picks the locator: ``page N`` (where the section starts) or ``section N``.
    """
    blocks = promote_headings(list(blocks))
    if blocks and blocks[0].kind == "title" and blocks[0].text.casefold() == title.casefold():
        blocks = blocks[1:]  # the document's own title heads the first section
    blocks = demote_bodyless_titles(blocks)
    drafts = [_Draft(title, _first_page(blocks))]
    path: list[tuple[int, str, bool]] = []  # (depth, heading, depth came from the document)
    for block in blocks:
        if block.kind == "title":
            depth = _heading_depth(block, path)
            while path and path[-1][0] >= depth:
                path.pop()
            path.append((depth, block.text, block.depth is not None))
            drafts.append(_Draft(" > ".join(text for _, text, _ in path), block.page))
        else:
            drafts[-1].blocks.append(block)
            drafts[-1].page = drafts[-1].page or block.page
    drafts = [d for d in drafts if d.blocks]
    return [
        Section(d.heading, render_blocks(d.blocks), _locator(unit, n, d.page))
        for n, d in enumerate(drafts, 1)
    ]


def _heading_depth(block: Block, path: Sequence[tuple[int, str, bool]]) -> int:
    """The block's depth; without one, a child of a styled heading or a sibling of the last."""
    if block.depth is not None:
        return block.depth
    if not path:
        return 0
    depth, _, styled = path[-1]
    return depth + 1 if styled else depth


def _locator(unit: str, number: int, page: int | None) -> str:
    return f"page {page or 1}" if unit == "page" else f"section {number}"


def _first_page(blocks: Sequence[Block]) -> int | None:
    return next((b.page for b in blocks if b.page is not None), None)


def slide_sections(blocks: Sequence[Block]) -> list[Section]:
    """One section per slide: heading = the slide's top title, locator ``slide N``."""
    slides: dict[int, list[Block]] = {}
    for block in blocks:
        slides.setdefault(block.page or 1, []).append(block)
    sections = []
    for number, content in sorted(slides.items()):
        titles = [b for b in content if b.kind == "title"]
        top = min(titles, key=lambda b: b.depth or 0) if titles else None
        heading = top.text if top else f"Slide {number}"
        text = render_blocks([b for b in content if b is not top])
        sections.append(Section(heading, text or heading, f"slide {number}"))
    return sections


_HEADING_END = re.compile(r"[.,;:!?]$")


def promote_headings(blocks: list[Block]) -> list[Block]:
    """Unclassified short lines followed by prose, a list or a table become headings.

    Word files styled by hand (``CHAPTER 1``, ``A. PURPOSE``) and HTML without ``<h1>``
    have no Title elements; their headings are short lines of plain text.
    """
    for k, block in enumerate(blocks[:-1]):
        nxt = blocks[k + 1]
        if (
            block.loose
            and "\n" not in block.text
            and len(block.text) <= 100
            and len(block.text.split()) <= 12
            and not _HEADING_END.search(block.text)
            and field_of(block.text) is None
            and (nxt.kind in ("list", "table") or (nxt.kind == "text" and not nxt.loose))
        ):
            block.kind, block.depth = "title", None
    return blocks


def demote_bodyless_titles(blocks: list[Block]) -> list[Block]:
    """A title followed by a title at the same or a higher level (or by nothing) is text."""
    for k, block in enumerate(blocks):
        if block.kind != "title":
            continue
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if nxt is None or (nxt.kind == "title" and _not_deeper(nxt, block)):
            block.kind = "text"
    return blocks


def _not_deeper(block: Block, than: Block) -> bool:
    if block.depth is None:  # promoted or unstyled: a child of a styled heading
        return than.depth is None
    return block.depth <= (than.depth or 0)


def render_blocks(blocks: Sequence[Block]) -> str:
    """Blocks as text lines: list items as ``- item``, nesting shown by indentation."""
    depths = [b.depth for b in blocks if b.depth is not None and b.kind != "title"]
    base = min(depths, default=0)
    lines = []
    for block in blocks:
        indent = "  " * max((block.depth or base) - base, 0) if block.kind != "title" else ""
        bullet = "- " if block.kind == "list" else ""
        lines.append(indent + bullet + block.text)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- pasted transcripts

_TIME = r"\d{1,2}:\d{1,2}:\d{1,2}(?:[.,]\d+)?"
_CUE = re.compile(rf"^[ \t]*(?P<start>{_TIME})[ \t]*-->[ \t]*{_TIME}[ \t]*$", re.M)


def pasted_transcript(blocks: Sequence[Block]) -> list[Message] | None:
    """Messages when the text is a transcript pasted in (``0:0:0.0 --> 0:0:1.5``, speaker,
    text), else None."""
    text = "\n".join(b.text for b in blocks if b.kind != "table")
    cues = list(_CUE.finditer(text))
    if len(cues) < 2 or len(text[cues[0].start() :]) < 0.6 * len(text):
        return None
    messages = []
    for k, cue in enumerate(cues):
        end = cues[k + 1].start() if k + 1 < len(cues) else len(text)
        speaker, _, said = text[cue.end() : end].strip().partition("\n")
        if speaker.strip() and said.strip():
            author = Identity(name=speaker.strip())
            messages.append(Message(author, " ".join(said.split()), locator=cue["start"]))
    return messages or None


# ---------------------------------------------------------------------------- unstructured parsers

_DROPPED = frozenset({"Header", "Footer", "PageNumber", "PageBreak", "Image"})
_LOOSE = frozenset({"UncategorizedText", "Text"})


def blocks_from_elements(elements: Sequence[Element]) -> list[Block]:
    """unstructured elements as blocks; headers, footers, page numbers and images dropped."""
    blocks = []
    for element in elements:
        category = element.category
        if category in _DROPPED or not (element.text or "").strip():
            continue
        meta = element.metadata
        kind: BlockKind = {"Title": "title", "ListItem": "list", "Table": "table"}.get(
            category, "text"
        )
        text = table_text(meta.text_as_html) if kind == "table" and meta.text_as_html else ""
        text = text or "\n".join(" ".join(line.split()) for line in element.text.splitlines())
        loose = category in _LOOSE
        blocks.append(Block(kind, text, meta.category_depth, meta.page_number, loose))
    return blocks


def table_text(html: str) -> str:
    """An HTML table as ``cell | cell`` rows (nested tables flattened into their cell)."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except Exception:  # lxml raises several types on broken markup; fall back to plain text
        return ""
    tables = root.findall(".//table")
    if not tables:
        return ""
    rows = tables[0].xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    lines = []
    for row in rows:
        cells = [" ".join("".join(cell.itertext()).split()) for cell in row.xpath("./td | ./th")]
        if any(cells):
            lines.append(" | ".join(cell for cell in cells if cell))
    return "\n".join(lines)


def _partition(kind: str) -> Callable[..., list[Element]]:
    offline_nlp.configure()
    if kind == "docx":
        from unstructured.partition.docx import partition_docx

        return partition_docx
    if kind == "pptx":
        from unstructured.partition.pptx import partition_pptx

        return partition_pptx
    from unstructured.partition.html import partition_html

    return partition_html


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def parse_ooxml(path: Path) -> Parsed:
    """A .docx or .pptx file through unstructured, with its core properties."""
    kind = path.suffix.lower().lstrip(".")
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic == _OLE2_MAGIC:
        raise ReadError(f"encrypted (password-protected) or legacy binary file, not a .{kind}")
    if not zipfile.is_zipfile(path):
        raise ReadError(f"corrupt file: not a .{kind} (zip) package")
    try:
        elements = _partition(kind)(filename=str(path))
        title, author, created = core_properties(path)
    except _broken_package_errors() as exc:
        raise ReadError(f"corrupt .{kind} file: {exc}") from exc
    return Parsed(blocks_from_elements(elements), title, author, created)


def _broken_package_errors() -> tuple[type[Exception], ...]:
    """What zipfile, lxml, python-docx and python-pptx raise on a damaged package."""
    from docx.opc.exceptions import PackageNotFoundError as DocxPackageNotFound
    from lxml.etree import XMLSyntaxError
    from pptx.exc import PackageNotFoundError as PptxPackageNotFound

    return (
        zipfile.BadZipFile,
        zlib.error,  # a damaged member
        EOFError,
        OSError,  # zipfile seeking to an offset a damaged directory gives
        NotImplementedError,  # an unsupported compression or encryption
        RuntimeError,  # an encrypted member
        KeyError,
        ValueError,
        XMLSyntaxError,
        DocxPackageNotFound,
        PptxPackageNotFound,
    )


_CORE_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def core_properties(path: Path) -> tuple[str | None, str | None, datetime | None]:
    """``(title, author, created)`` from an OOXML package's ``docProps/core.xml``."""
    from lxml import etree

    with zipfile.ZipFile(path) as package:
        if "docProps/core.xml" not in package.namelist():
            return None, None, None
        root = etree.fromstring(package.read("docProps/core.xml"))
    title = _clean_title(root.findtext("dc:title", namespaces=_CORE_NS))
    author = clean_person(root.findtext("dc:creator", namespaces=_CORE_NS) or "")
    created = _w3cdtf(root.findtext("dcterms:created", namespaces=_CORE_NS))
    return title, author if author not in _TOOL_AUTHORS else None, created


_TOOL_AUTHORS = frozenset({"python-docx", "python-pptx", "Unknown", "Administrator", "user"})
_GENERIC_TITLES = re.compile(
    r"^(untitled|powerpoint presentation|presentation|document\d*|slide \d+)$", re.I
)


def _clean_title(value: str | None) -> str | None:
    """A metadata title, unless it is empty or a tool's placeholder."""
    text = " ".join((value or "").split())
    text = re.sub(r"^Microsoft (Word|PowerPoint) - ", "", text)
    return text if text and not _GENERIC_TITLES.match(text) else None


def _w3cdtf(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return parse_date(value)


# ---------------------------------------------------------------------------- html

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(raw: bytes) -> str:
    """HTML bytes as text: BOM, then a declared charset, then UTF-8, then cp1252."""
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(raw)[0]
    declared = _META_CHARSET.search(raw[:4096])
    if declared:
        try:
            return raw.decode(declared[1].decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(raw)[0]


def parse_html(path: Path) -> Parsed:
    """An HTML page through unstructured, decoded by us (no charset guessing, no mojibake)."""
    html = decode_html(path.read_bytes())
    if not html.strip():
        raise ReadError("empty file")
    try:
        elements = _partition("html")(text=html)
    except Exception as exc:  # lxml and unstructured raise assorted errors on garbage
        raise ReadError(f"unreadable HTML: {type(exc).__name__}: {exc}") from exc
    title, author, created = html_metadata(html)
    return Parsed(blocks_from_elements(elements), title, author, created)


def html_metadata(html: str) -> tuple[str | None, str | None, datetime | None]:
    """``(title, author, created)`` from ``<title>`` and ``<meta>`` tags."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.document_fromstring(html)
    except Exception:  # lxml raises ParserError/ValueError on odd documents
        return None, None, None
    title = _clean_title(root.findtext(".//title"))
    metas = {
        (m.get("name") or m.get("property") or "").lower(): m.get("content") or ""
        for m in root.iter("meta")
    }
    author = clean_person(metas.get("author", ""))
    created = next(
        (d for key in ("date", "dcterms.created", "article:published_time", "dc.date")
         if (d := parse_date(metas.get(key, "")))),
        None,
    )  # fmt: skip
    return title, author, created


# ---------------------------------------------------------------------------- pdf

_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_CID = re.compile(r"\(cid:\d+\)")


def parse_pdf(path: Path) -> Parsed:
    """A PDF's text layer (pdfminer.six), text boxes classified by unstructured."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException

    try:
        title, author, created = pdf_metadata(path)
        blocks = list(_pdf_blocks(path))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ReadError(f"encrypted PDF: a password is required ({type(exc).__name__})") from exc
    except (PSException, ValueError, KeyError, TypeError, AssertionError) as exc:
        raise ReadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
    except (AttributeError, IndexError, RecursionError, OverflowError, OSError, zlib.error) as exc:
        # pdfminer follows (and seeks to) whatever objects a damaged file points at
        raise ReadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
    return Parsed(blocks, title, author, created)


def pdf_metadata(path: Path) -> tuple[str | None, str | None, datetime | None]:
    """``(title, author, created)`` from the PDF's document information dictionary."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    with path.open("rb") as fh:
        info = PDFDocument(PDFParser(fh)).info
    merged: dict[str, object] = {}
    for entry in info:
        merged.update(entry)
    title = _clean_title(_pdf_string(merged.get("Title")))
    author = clean_person(_pdf_string(merged.get("Author")) or "")
    return title, author, pdf_date(_pdf_string(merged.get("CreationDate")))


def _pdf_string(value: object) -> str | None:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text as pdf_decode

    value = resolve1(value)
    if isinstance(value, bytes):
        return pdf_decode(value).strip("\x00 ") or None
    return value if isinstance(value, str) else None


_PDF_DATE = re.compile(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(Z|[+-]\d\d'?\d\d'?)?")


def pdf_date(value: str | None) -> datetime | None:
    """A PDF date string (``D:20230516172840Z00'00'``) as an aware UTC datetime."""
    match = _PDF_DATE.match(value or "")
    if not match:
        return None
    defaults = (0, 1, 1, 0, 0, 0)
    parts = [int(g) if g else d for g, d in zip(match.groups()[:6], defaults, strict=True)]
    try:
        when = datetime(*parts, tzinfo=UTC)
    except ValueError:
        return None
    return when - _utc_offset(match[7])


def _utc_offset(zone: str | None) -> timedelta:
    """``+05'30'`` -> 5:30; ``Z`` or nothing -> 0."""
    if not zone or zone == "Z":
        return timedelta()
    digits = zone[1:].replace("'", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return timedelta(minutes=minutes if zone[0] == "+" else -minutes)


def _pdf_blocks(path: Path) -> Iterator[Block]:
    """Blocks for each text box of each page, in pdfminer's reading order."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    offline_nlp.configure()
    from unstructured.documents.coordinates import PixelSpace
    from unstructured.partition.text import element_from_text

    for page_number, page in enumerate(extract_pages(str(path), laparams=LAParams()), 1):
        space = PixelSpace(width=page.width, height=page.height)
        for box in page:
            if not isinstance(box, LTTextContainer):
                continue
            text = clean_pdf_text(box.get_text())
            if not _is_noise(text):
                x1, y1, x2, y2 = box.bbox
                corners = ((x1, page.height - y2), (x1, page.height - y1),
                           (x2, page.height - y1), (x2, page.height - y2))  # fmt: skip
                element = element_from_text(text, coordinates=corners, coordinate_system=space)
                for block in blocks_from_elements([element]):
                    block.page = page_number
                    yield block


def clean_pdf_text(text: str) -> str:
    """One text box as a line: ligatures expanded, hyphenation joined, whitespace collapsed."""
    text = _CID.sub("", text.translate(_LIGATURES))
    text = re.sub(r"(\w)-\n(?=[a-z])", r"\1", text)
    return " ".join(text.split())


def _is_noise(text: str) -> bool:
    """Page numbers, stray punctuation and vertical letter runs (arXiv side stamps)."""
    if not any(ch.isalpha() for ch in text):
        return True
    words = text.split()
    return len(words) >= 3 and all(len(w) == 1 for w in words)


PARSERS: dict[str, Callable[[Path], Parsed]] = {
    "docx": parse_ooxml,
    "pptx": parse_ooxml,
    "html": parse_html,
    "pdf": parse_pdf,
}
