"""Batches handed in through the API: store the upload, create a pending batch, and run it
on a worker after the request commits."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from incidents.models import IngestBatch
from incidents.pipeline.files import intake_folders
from incidents.pipeline.services import batch_create
from khareetaty.enqueue import enqueue_on_commit


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
        target = uploads / f"{uuid.uuid4().hex}-{name}"
        with open(target, "wb") as out:
            for piece in upload.chunks():
                out.write(piece)
    else:
        name = "api-records.json"
        target = uploads / f"{uuid.uuid4().hex}-{name}"
        target.write_text(json.dumps(records or [], ensure_ascii=False), encoding="utf-8")
    with transaction.atomic():
        batch = batch_create(
            profile_name=profile_name, file_name=name, file_path=str(target), created_by=created_by
        )
        from incidents.tasks import batch_run_task  # the tasks module imports the pipeline

        enqueue_on_commit(batch_run_task, batch.pk)
    return batch
