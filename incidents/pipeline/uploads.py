"""Batches handed in through the API: store the upload, create a pending batch, and run it
on a worker after the request commits.

When the intake volume is full (or over quota) the upload is not stored: the partial file is
removed, the batch is recorded failed with a clear message (so it shows in the batch list, the
audit trail and the ETL-failure alert; it never waits as pending), and the caller gets a 507
naming the problem. The client still holds its file and can send it again once there is room.
"""

from __future__ import annotations

import errno
import json
import shutil
import uuid
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from rest_framework import status

from incidents.models import IngestBatch
from incidents.pipeline.files import intake_folders
from incidents.pipeline.services import batch_create, batch_fail
from khareetaty.enqueue import enqueue_on_commit
from khareetaty.exceptions import ApplicationError

# "No space left on device" and "disk quota exceeded".
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class IntakeFull(ApplicationError):
    """The intake volume has no room for the upload."""

    status_code = status.HTTP_507_INSUFFICIENT_STORAGE
    code = "intake_full"


def batch_upload(
    *,
    profile_name: str,
    created_by,
    upload: UploadedFile | None = None,
    records: list | None = None,
) -> IngestBatch:
    """Store a file upload or a list of JSON records and queue the batch; returns it pending."""
    uploads = intake_folders()["uploads"]
    if upload is not None:
        name = get_valid_filename(Path(upload.name or "upload.csv").name)[:200] or "upload.csv"
    else:
        name = "api-records.json"
    target = uploads / f"{uuid.uuid4().hex}-{name}"
    try:
        _store(target, upload=upload, records=records)
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise
        target.unlink(missing_ok=True)
        _fail_intake_full(profile_name=profile_name, name=name, created_by=created_by)
    with transaction.atomic():
        batch = batch_create(
            profile_name=profile_name, file_name=name, file_path=str(target), created_by=created_by
        )
        from incidents.tasks import batch_run_task  # the tasks module imports the pipeline

        enqueue_on_commit(batch_run_task, batch.pk)
    return batch


def _store(target: Path, *, upload: UploadedFile | None, records: list | None) -> None:
    """Write the upload (or the records as JSON) to ``target``, flushed to the disk."""
    with open(target, "wb") as out:
        if upload is not None:
            for piece in upload.chunks():
                out.write(piece)
        else:
            out.write(json.dumps(records or [], ensure_ascii=False).encode("utf-8"))
        out.flush()  # a full disk shows here at the latest, not after the batch is queued


def _fail_intake_full(*, profile_name: str, name: str, created_by) -> None:
    """Record a failed batch for an upload the full intake volume could not take, and raise."""
    free = shutil.disk_usage(intake_folders()["uploads"]).free
    message = _(
        "The intake disk is full (%(free)s bytes free): the upload was not stored. "
        "Free space in the intake folder and send the file again."
    ) % {"free": free}
    batch = batch_create(profile_name=profile_name, file_name=name, created_by=created_by)
    batch_fail(batch_id=batch.pk, message=message)
    raise IntakeFull(message, extra={"batch": batch.pk})
