from celery import shared_task

from khareetaty.audit.services import audit_checkpoint


@shared_task(name="audit.checkpoint", ignore_result=True)
def audit_checkpoint_task() -> None:
    audit_checkpoint()
