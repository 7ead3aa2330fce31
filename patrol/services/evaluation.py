"""The efficiency backtest on a profile's source CSV (e.g. the real Chicago extract)."""

from pathlib import Path

import pandas as pd

from analytics.profiles import AnalyticsProfile
from khareetaty.audit.services import audit_record
from patrol.core.backtest import BacktestConfig, backtest
from patrol.models import Backtest


def backtest_frame_from_csv(
    context: AnalyticsProfile, path: Path, beat_column: str = "beat"
) -> pd.DataFrame:
    """The incidents of a source CSV with the profile's mapping (excluded categories
    dropped, as the ETL rejects them), plus the beat column when the source has one."""
    profile = context.profile
    columns = {
        name: profile.columns[name] for name in ("occurred_at", "lat", "lon", "category", "region")
    }
    header = pd.read_csv(path, nrows=0).columns
    wanted = list(columns.values()) + ([beat_column] if beat_column in header else [])
    source = pd.read_csv(path, usecols=wanted, dtype=str)
    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(source[columns["occurred_at"]]),
            "lon": source[columns["lon"]].astype(float),
            "lat": source[columns["lat"]].astype(float),
            "region": source[columns["region"]].map(profile.regions.code_format.format),
            "category": source[columns["category"]].str.strip(),
        }
    )
    if beat_column in source:
        frame["beat"] = source[beat_column]
    labels = {label: profile.map_category(label) for label in frame["category"].unique()}
    frame["category"] = frame["category"].map(labels)
    return (
        frame[frame["category"].notna()]
        .sort_values("occurred_at", kind="stable")
        .reset_index(drop=True)
    )


def patrol_backtest(
    *, profile: str, path: Path, config: BacktestConfig, end: pd.Timestamp | None = None
) -> dict:
    """Plan vs greedy vs proportional allocation, shift by shift, over the last weeks."""
    context = AnalyticsProfile.load(profile)
    frame = backtest_frame_from_csv(context, path)
    end = end if end is not None else frame["occurred_at"].max().normalize() + pd.Timedelta(days=1)
    report = backtest(frame, context.projection, config, end)
    report.update(profile=profile, end=str(end.date()), source=path.name)
    return report


def backtest_store(*, profile: str, report: dict, actor=None) -> Backtest:
    """Keep a backtest report (the Analytics page shows the latest); audited."""
    stored = Backtest.objects.create(profile=profile, report=report)
    audit_record(
        action="patrol_backtest",
        actor=actor,
        obj=stored,
        summary={k: report.get(k) for k in ("plan_vs_proportional", "plan_vs_greedy", "shifts")},
    )
    return stored
