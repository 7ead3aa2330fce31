"""The analytics chain: request a run (one at a time), execute its steps, announce the end.

Steps: intake sweep (the ETL's service), hotspots, forecasts, risk map,
evaluation. Each step is its own ModelRun; a failing step is recorded and the chain goes on.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable

import pandas as pd
from django.db import transaction
from django.utils import timezone

from analytics.choices import RunKind, RunStatus
from analytics.models import ModelRun
from analytics.profiles import AnalyticsProfile
from analytics.selectors import incident_frame
from analytics.services.evaluation import evaluation_params_for, evaluation_run
from analytics.services.forecasts import forecasts_generate
from analytics.services.hotspots import HotspotParameters, hotspots_detect
from analytics.services.locking import run_lock_acquire, run_lock_release
from analytics.services.model_card import model_card_build
from analytics.services.risk import risk_map_generate
from analytics.services.steps import model_run_finish, model_run_step_start
from analytics.signals import run_finished
from incidents.pipeline.intake import intake_sweep
from incidents.profiles import load_profile
from khareetaty.audit.services import audit_record
from khareetaty.enqueue import enqueue_on_commit

logger = logging.getLogger(__name__)

STEPS = (RunKind.INTAKE, RunKind.HOTSPOTS, RunKind.FORECASTS, RunKind.RISK, RunKind.EVALUATION)
HISTORY_DAYS = 3 * 365

Progress = Callable[[ModelRun], None]


def analytics_run_request(
    *,
    profile: str,
    trigger: str,
    requested_by=None,
    parameters: dict | None = None,
    enqueue: bool = False,
) -> tuple[ModelRun, bool]:
    """Queue a chain for ``profile`` unless one is running: returns ``(run, created)``; when a
    chain already holds the lock, that chain's run and False. With ``enqueue`` the chain is
    sent to a worker after the transaction commits."""
    load_profile(profile)  # raises ProfileError (400) for an unknown or broken profile
    for _ in range(2):
        with transaction.atomic():
            run = ModelRun.objects.create(
                kind=RunKind.PIPELINE,
                profile=profile,
                trigger=trigger,
                requested_by=requested_by,
                parameters=parameters or {},
            )
            holder = run_lock_acquire(run_id=run.pk)
            if holder is None:
                audit_record(
                    action="analytics_run_request",
                    actor=requested_by,
                    obj=run,
                    summary={"profile": profile, "trigger": trigger},
                )
                if enqueue:
                    from analytics.tasks import analytics_run_execute_task  # imports us

                    enqueue_on_commit(analytics_run_execute_task, run.pk)
                return run, True
            transaction.set_rollback(True)
        running = ModelRun.objects.filter(pk=holder).first()
        if running is not None and not running.is_finished:
            return running, False
        run_lock_release(run_id=holder)  # the holder died without releasing: take over
    raise RuntimeError("could not take the analytics lock")


def analytics_run_execute(*, run_id: int, progress: Progress | None = None) -> ModelRun | None:
    """Run a queued chain's steps. Safe to call twice: only a queued run starts."""
    started = ModelRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    run = ModelRun.objects.filter(pk=run_id).first()
    if not started or run is None:
        logger.info("analytics run %s is not queued; nothing to do", run_id)
        return run
    try:
        outcomes = _run_steps(run, progress)
        status = _overall(outcomes)
        model_run_finish(
            run=run, status=status, metrics={"steps": outcomes, "model_card": _card(run)}
        )
    except Exception as exc:  # noqa: BLE001 - recorded on the run, never lost
        model_run_finish(run=run, status=RunStatus.FAILED, error=f"{exc}\n{traceback.format_exc()}")
    finally:
        run_lock_release(run_id=run.pk)
    run_finished.send(sender=ModelRun, run_id=run.pk, profile=run.profile, status=run.status)
    return run


def _card(run: ModelRun) -> dict:
    try:
        return model_card_build(run=run)
    except Exception as exc:
        logger.exception("model card of run %s failed", run.pk)
        return {"error": f"{type(exc).__name__}: {exc}"}


def _overall(outcomes: dict[str, str]) -> str:
    done = [s for s in outcomes.values() if s != RunStatus.SKIPPED]
    if done and all(s == RunStatus.FAILED for s in done):
        return RunStatus.FAILED
    if any(s in (RunStatus.FAILED, RunStatus.PARTIAL) for s in done):
        return RunStatus.PARTIAL
    return RunStatus.SUCCEEDED


def analysis_end(context: AnalyticsProfile, parameters: dict) -> pd.Timestamp:
    """Local midnight that ends the data window: today (data up to yesterday), or the
    ``end`` date given in the run's parameters."""
    if parameters.get("end"):
        return pd.Timestamp(parameters["end"]).normalize()
    return pd.Timestamp(context.today())


def _run_steps(run: ModelRun, progress: Progress | None) -> dict[str, str]:
    context = AnalyticsProfile.load(run.profile)
    parameters = run.parameters or {}
    end = analysis_end(context, parameters)
    outcomes: dict[str, str] = {}
    frame = None
    for kind in STEPS:
        if kind in parameters.get("skip", []):
            outcomes[kind] = RunStatus.SKIPPED
            continue
        if kind != RunKind.INTAKE and frame is None:
            frame = incident_frame(
                region_profile=context.region_profile,
                start=(end - pd.Timedelta(days=HISTORY_DAYS + 7 * 8))
                .to_pydatetime()
                .replace(tzinfo=context.tz),
                end=end.to_pydatetime().replace(tzinfo=context.tz),
                tz=context.tz,
            )
        step = model_run_step_start(parent=run, kind=kind, parameters=parameters.get(kind, {}))
        outcomes[kind] = _run_step(step, context, frame, end)
        if progress:
            progress(step)
    return outcomes


def _run_step(step: ModelRun, context: AnalyticsProfile, frame, end: pd.Timestamp) -> str:
    began = time.monotonic()
    try:
        metrics = _STEP_FUNCTIONS[step.kind](step, context, frame, end)
    except Exception as exc:
        logger.exception("analytics step %s failed", step.kind)
        model_run_finish(
            run=step, status=RunStatus.FAILED, error=f"{exc}\n{traceback.format_exc()}"
        )
        return RunStatus.FAILED
    metrics["seconds"] = round(time.monotonic() - began, 3)
    status = RunStatus.PARTIAL if metrics.get("failed") else RunStatus.SUCCEEDED
    model_run_finish(run=step, status=status, metrics=metrics)
    return status


def _intake(step, context, frame, end) -> dict:
    result = intake_sweep()
    if result.skipped:
        logger.warning("intake sweep skipped %s: not plain files", ", ".join(result.skipped))
    return {"batches": [batch.pk for batch in result.batches]}


def _hotspots(step, context, frame, end) -> dict:
    params = HotspotParameters.from_dict(step.parameters)
    hotspots_detect(run=step, context=context, frame=frame, end=end, params=params)
    return step.metrics


def _forecasts(step, context, frame, end) -> dict:
    return forecasts_generate(run=step, context=context, frame=frame, end=end)


def _risk(step, context, frame, end) -> dict:
    return risk_map_generate(run=step, context=context, frame=frame, end=end)


def _evaluation(step, context, frame, end) -> dict:
    weeks = int(step.parameters.get("weeks", 8))
    params = evaluation_params_for(context, end, weeks=weeks)
    return evaluation_run(context=context, frame=frame, end=end, params=params)


_STEP_FUNCTIONS = {
    RunKind.INTAKE: _intake,
    RunKind.HOTSPOTS: _hotspots,
    RunKind.FORECASTS: _forecasts,
    RunKind.RISK: _risk,
    RunKind.EVALUATION: _evaluation,
}
