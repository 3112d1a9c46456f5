"""A short run of ``benchmarks/load_while_ingesting.py``: a real ``watercooler serve`` of
part of the sample organization answers /search, /ask and /experts from 4 clients for 10 s
while it ingests uploads, with no error and no document seen half-written."""

from __future__ import annotations

from pathlib import Path

from benchmarks.load_while_ingesting import run


def test_clients_get_answers_and_whole_documents_while_the_server_ingests(
    tmp_path: Path,
) -> None:
    report = run(clients=4, seconds=10, workdir=tmp_path, parts=("transcripts",))
    assert report.errors == []
    assert report.half_written == []
    assert {"search", "ask", "experts", "documents"} <= set(report.latencies)
    assert report.uploads, "no upload was ingested during the run"
    assert all(job["status"] == "done" for job in report.uploads)
    assert all(job["summary"]["documents_written"] > 0 for job in report.uploads)
