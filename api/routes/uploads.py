"""``POST /ingest`` (admins): upload an export or a file and ingest it in the background;
``GET /ingest/{job_id}`` tells how that went.

The body is the file itself (``curl --data-binary @export.zip``), streamed to disk under
``WATERCOOLER_HOME/uploads/<name>/`` and refused past ``WATERCOOLER_MAX_UPLOAD_BYTES``.
A later upload of the same name replaces the earlier one (a newer Slack export re-embeds
only what changed). ``principals`` and ``groups`` write the folder's
``.watercooler-access.yaml``: who sees notes, memos and transcripts uploaded there. Jobs
run one at a time and are kept in memory until the server stops.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from api.deps import AdminDep, StoreDep, invalid
from ingest.access import SIDECAR
from search.store.store import Store

router = APIRouter(tags=["ingest"])

_NAME = re.compile(r"^[\w][\w .+-]{0,199}$")


class IngestJob(BaseModel):
    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    filename: str
    bytes: int
    summary: dict[str, Any] | None = Field(None, description="The ingest run, when done.")
    error: str | None = None


class _Jobs:
    """The app's upload jobs and the one worker that ingests them in turn."""

    def __init__(self) -> None:
        self.jobs: dict[str, IngestJob] = {}
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-ingest")
        self.lock = threading.Lock()


_lock = threading.Lock()


def _jobs(request: Request) -> _Jobs:
    with _lock:
        if not hasattr(request.app.state, "upload_jobs"):
            request.app.state.upload_jobs = _Jobs()
    return request.app.state.upload_jobs


@router.post(
    "/ingest",
    response_model=IngestJob,
    status_code=202,
    operation_id="upload_and_ingest",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
    responses={
        403: {"description": "Not an admin."},
        413: {"description": "Larger than WATERCOOLER_MAX_UPLOAD_BYTES."},
    },
)
async def upload(
    request: Request,
    store: StoreDep,
    _admin: AdminDep,
    filename: Annotated[
        str, Query(min_length=1, max_length=200, description="The file's name (export.zip).")
    ],
    principals: Annotated[
        list[str] | None, Query(description="Who sees notes uploaded here (e-mails).")
    ] = None,
    groups: Annotated[list[str] | None, Query(description="Groups that see them.")] = None,
) -> IngestJob:
    """Store the request body as ``filename`` and ingest it in the background."""
    if not _NAME.match(filename) or filename in (".", ".."):
        raise invalid("query", "filename", "a plain file name: letters, digits, . _ + - space")
    limit = store.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    jobs = _jobs(request)
    job_id = uuid.uuid4().hex[:12]
    incoming = store.settings.uploads_dir / ".incoming" / job_id
    incoming.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with incoming.open("wb") as out:
            async for block in request.stream():
                size += len(block)
                if size > limit:
                    raise _too_large(limit)
                out.write(block)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    if size == 0:
        incoming.unlink(missing_ok=True)
        raise invalid("body", "body", "the upload is empty: send the file as the request body")
    job = IngestJob(job_id=job_id, status="queued", filename=filename, bytes=size)
    with jobs.lock:
        jobs.jobs[job_id] = job
    access = {"principals": principals or [], "groups": groups or []}
    jobs.pool.submit(_run, job, store, incoming, access if principals or groups else None)
    return job


@router.get(
    "/ingest/{job_id}",
    response_model=IngestJob,
    operation_id="ingest_job",
    responses={403: {"description": "Not an admin."}, 404: {"description": "No such job."}},
)
def ingest_job(job_id: str, request: Request, _admin: AdminDep) -> IngestJob:
    """How an upload's ingest went: queued, running, done (with its summary) or failed."""
    job = _jobs(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"no upload job {job_id!r}")
    return job


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status_code=413, detail=f"the upload is larger than {limit} bytes (max_upload_bytes)"
    )


def _run(job: IngestJob, store: Store, incoming: Path, access: dict[str, list[str]] | None) -> None:
    from ingest.pipeline import ingest

    job.status = "running"
    try:
        folder = store.settings.uploads_dir / Path(job.filename).stem.strip()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / job.filename
        shutil.move(incoming, target)
        sidecar = folder / SIDECAR
        if access is None:
            sidecar.unlink(missing_ok=True)
        else:
            sidecar.write_text(yaml.safe_dump(access), encoding="utf-8")
        summary = ingest([target], store).as_dict()
    except Exception as exc:  # a bad upload must not take the worker down
        job.error = f"{type(exc).__name__}: {exc}"
        job.status = "failed"
        incoming.unlink(missing_ok=True)
        return
    job.summary = summary
    job.status = "failed" if summary["failed"] else "done"
    if summary["failed"]:
        job.error = "; ".join(f"{f['path']}: {f['reason']}" for f in summary["failures"])
