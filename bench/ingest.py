"""ETL benchmark: the whole pipeline against a plain COPY of the same file, in the same run.

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/kh_etlperf \
        .venv/bin/python bench/ingest.py --rows 1000000

Generates a Kuwait CSV with ``generate_incidents`` (or takes ``--file``), loads the reference
regions and categories, empties the ETL tables of the benchmark database, then measures:

- ``reference``: ``COPY`` of the file into an unindexed all-text table (rows/s);
- ``ingest``: ``manage.py ingest``'s service on the file, in a child process (rows/s, peak
  RSS, seconds per stage; ``reader_thread_s`` ran in the reader thread, overlapped with the
  database stages, and ``stages_s[read_wait]`` is how long the loader waited for it);
- ``reingest``: the same file again (everything is a duplicate);
- after each, apart from the ingest's own time: ``search_refresh_s``, writing the batch's
  full-text search documents (``incident_search_refresh``, which the worker runs right
  after a batch commits; ingest itself no longer pays for them);

and prints one JSON document. With ``--repeat N`` (default 3) the whole sequence runs N
times on emptied tables and the document reports each run and the medians; the ratios are
taken between medians (this 2-core VM's speed wanders by ±20 % from minute to minute, and
the short reference COPY most of all). It refuses to run on the default ``khareetaty``
database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")


def setup_django() -> None:
    import django

    django.setup()


def peak_rss_mb() -> float:
    """This process's own peak RSS. ``ru_maxrss`` is not used on Linux: a child started
    after fork + exec inherits the parent's peak at fork (the parent that generated a
    3M-row file showed up as a 557 MB ingest)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_ingest(path: Path) -> dict:
    """Child process: one batch through the pipeline; reports its own peak RSS."""
    setup_django()
    from incidents.pipeline.services import batch_ingest_file
    from incidents.pipeline.timing import READER_STAGES, STAGE_SECONDS
    from incidents.services import incident_search_refresh

    started = time.perf_counter()
    batch = batch_ingest_file(path=path, profile_name="kuwait")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    documents = incident_search_refresh()
    search_seconds = time.perf_counter() - started
    return {
        "batch": batch.pk,
        "status": batch.status,
        "error": batch.error_message,
        "received": batch.received,
        "accepted": batch.accepted,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
        "seconds": round(seconds, 2),
        "rows_per_s": round(batch.received / seconds),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        # read and validate run in the reader thread, beside the database stages
        "reader_thread_s": {k: round(STAGE_SECONDS[k], 2) for k in READER_STAGES},
        "stages_s": {
            k: round(v, 2) for k, v in STAGE_SECONDS.most_common() if k not in READER_STAGES
        },
        "commit_and_other_s": round(
            seconds - sum(v for k, v in STAGE_SECONDS.items() if k not in READER_STAGES), 2
        ),
        "search_documents": documents,
        "search_refresh_s": round(search_seconds, 2),
    }


def reference_copy(path: Path) -> dict:
    from django.db import connection

    header = path.open(encoding="utf-8").readline().strip().split(",")
    columns = ", ".join(f'"{c}" text' for c in header)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_reference_copy")
        cursor.execute(f"CREATE TABLE bench_reference_copy ({columns})")
        started = time.perf_counter()
        with (
            path.open("rb") as source,
            cursor.cursor.copy(
                "COPY bench_reference_copy FROM STDIN (FORMAT csv, HEADER true)"
            ) as copy,
        ):
            while block := source.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_reference_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_reference_copy")
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


def prepare(rows: int, file: Path | None, workdir: Path) -> Path:
    from django.conf import settings
    from django.core.management import call_command

    name = settings.DATABASES["default"]["NAME"]
    if name == "khareetaty":
        sys.exit("Refusing to empty the ETL tables of the default database; set DATABASE_URL.")
    call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
    if file:
        return file
    path = workdir / f"kuwait-{rows}.csv"
    if not path.exists():
        call_command(
            "generate_incidents", count=rows, out=path, seed=7, verbosity=0, stdout=io.StringIO()
        )
    return path


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE incidents_clean, incidents_raw, incidents_rejectedrow, "
            "incidents_ingestbatch CASCADE"
        )
        cursor.execute("VACUUM ANALYZE incidents_clean")


def one_run(path: Path) -> dict:
    empty_tables()
    reference = reference_copy(path)
    first = child(path)
    again = child(path)
    return {"reference_copy": reference, "ingest": first, "reingest": again}


def child(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", "ingest", "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs to take medians over")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "khareetaty-bench"
    )
    parser.add_argument("--phase", choices=["ingest"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "ingest":
        print(json.dumps(phase_ingest(args.file)))
        return
    setup_django()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = prepare(args.rows, args.file, args.workdir)
    runs = [one_run(path) for _ in range(args.repeat)]

    def median_of(phase: str, key: str) -> float:
        return statistics.median(run[phase][key] for run in runs)

    copy_rate = median_of("reference_copy", "rows_per_s")
    first_rate, first_s = median_of("ingest", "rows_per_s"), median_of("ingest", "seconds")
    result = {
        "file": str(path),
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "rows": runs[0]["ingest"]["received"],
        "repeat": args.repeat,
        "median": {
            "reference_copy_rows_per_s": round(copy_rate),
            "ingest_rows_per_s": round(first_rate),
            "ingest_seconds": first_s,
            "reingest_seconds": median_of("reingest", "seconds"),
            "search_refresh_seconds": median_of("ingest", "search_refresh_s"),
        },
        "peak_rss_mb": max(run[p]["peak_rss_mb"] for run in runs for p in ("ingest", "reingest")),
        "ratio_to_copy": round(first_rate / copy_rate, 4),
        "reingest_speedup": round(first_s / median_of("reingest", "seconds"), 2),
        "targets": {
            "ratio_to_copy_min": 0.07,
            "reingest_speedup_min": 2.0,
            "peak_rss_mb_max": 300,
        },
        "runs": runs,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
