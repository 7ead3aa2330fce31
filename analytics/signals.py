"""Hooks for higher apps. ``run_finished`` is sent after every analytics chain ends (whatever
its status), once the lock is released: the commands app connects alert evaluation here.
Receivers should only enqueue Celery tasks and return."""

from django.dispatch import Signal

run_finished = Signal()  # kwargs: run_id: int, profile: str, status: str
