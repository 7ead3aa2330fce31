"""Duplicates in the batch pipeline: re-ingests add nothing, sources without ids
deduplicate by time and place, loaded ids are probed, and chunk and insert-group boundaries
or a key met in the optimistic insert change nothing."""

import pytest
from django.db import connection

from incidents.models import Incident
from incidents.pipeline import load, readers
from incidents.pipeline.services import batch_ingest_file
from incidents.tests.factories import IncidentFactory
from incidents.tests.pipeline_files import assert_invariant, row, write_csv

pytestmark = pytest.mark.django_db


def test_reingesting_the_same_file_adds_nothing(tmp_path, setup_regions):
    path = write_csv(
        tmp_path / "again.csv", [row(n) for n in range(1, 31)] + [row(99, category="??")]
    )
    first = batch_ingest_file(path=path)
    second = batch_ingest_file(path=path)
    assert Incident.objects.count() == 30
    assert (second.accepted, second.duplicates, second.rejected) == (0, 30, 1)
    assert first.file_sha256 == second.file_sha256
    assert_invariant(second)


def test_sources_without_ids_deduplicate_within_a_minute_and_25_metres(tmp_path, setup_regions):
    base = row(1, incident_id="")
    near = {
        **base,
        "occurred_at": base["occurred_at"][:-2] + "40",
        "latitude": f"{float(base['latitude']) + 0.0001:.6f}",
    }  # 40 s, ~11 m
    far = {**base, "latitude": f"{float(base['latitude']) + 0.001:.6f}"}  # ~110 m
    other_kind = {**base, "category": "assault"}
    batch = batch_ingest_file(path=write_csv(tmp_path / "noid.csv", [base, near, far, other_kind]))
    assert (batch.accepted, batch.duplicates) == (3, 1)
    again = batch_ingest_file(path=write_csv(tmp_path / "noid2.csv", [near]))
    assert (again.accepted, again.duplicates) == (0, 1)


def test_probe_for_loaded_ids_by_range_and_one_by_one(setup_regions):
    # Ids loaded by earlier batches: a chunk of neighbouring ids is answered by one range
    # scan; ids spread over the key space fall back to looking each one up. Same answer.
    for n in range(200):
        IncidentFactory(external_id=f"A-{n:03d}")
    neighbours = [f"A-{n:03d}" for n in range(190, 210)]
    assert load.existing_external_ids("kuwait", neighbours) == set(neighbours[:10])
    spread = ["A-000", "A-199", "B-1"]
    assert load.existing_external_ids("kuwait", spread) == {"A-000", "A-199"}
    unseen = [f"C-{n:04d}" for n in range(500)]  # sampled first: none found, done
    assert load.existing_external_ids("kuwait", unseen) == set()
    assert load.existing_external_ids("other-source", neighbours) == set()


@pytest.mark.django_db(transaction=True)
def test_reingest_skips_loaded_ids_and_a_bulk_load_leaves_the_table_vacuumed(
    tmp_path, setup_regions, monkeypatch
):
    monkeypatch.setattr(load.staging, "BULK_LOAD_ROWS", 10)
    rows = [row(n) for n in range(1, 31)]
    first = batch_ingest_file(path=write_csv(tmp_path / "first.csv", rows))
    assert first.accepted == 30
    with connection.cursor() as cursor:  # VACUUM marked the new pages all-visible
        cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = 'incidents_clean'")
        assert cursor.fetchone()[0] > 0
    # Committed ids are found by the reader's probe and are duplicates without being
    # validated again: a garbled re-send of a loaded record does not become a rejection.
    rows[4] = row(5, latitude="garbled")
    again = batch_ingest_file(path=write_csv(tmp_path / "again.csv", [*rows, row(31)]))
    assert (again.accepted, again.duplicates, again.rejected) == (1, 30, 0)
    assert_invariant(again)


def test_chunk_and_insert_group_boundaries_change_nothing(
    tmp_path, setup_regions, monkeypatch, caplog
):
    # Chunks of 4 rows, inserted in groups of at least 6: repeats of an id within a chunk,
    # across chunks of one insert group and across groups are all duplicates, and the
    # first occurrence is the one kept. They are dropped before the insert (the reader
    # remembers the last chunks' ids), so the optimistic insert never has to run again.
    monkeypatch.setattr(readers, "CHUNK_ROWS", 4)
    monkeypatch.setattr(load, "INSERT_ROWS", 6)
    monkeypatch.setattr(load.staging, "INSERT_ROWS", 6)
    rows = [row(n) for n in range(1, 21)]
    rows[1] = row(1, area="second copy, same chunk")
    rows[5] = row(3, area="second copy, next chunk")
    rows[17] = row(4, area="second copy, later group")
    noid = row(50, incident_id="")
    rows[8], rows[12] = noid, {**noid, "area": "near twin, later chunk"}
    with caplog.at_level("INFO", logger="incidents.pipeline.services"):
        batch = batch_ingest_file(path=write_csv(tmp_path / "bounds.csv", rows))
    assert "runs again" not in caplog.text
    assert (batch.received, batch.accepted, batch.duplicates, batch.rejected) == (20, 16, 4, 0)
    assert_invariant(batch)
    assert set(Incident.objects.values_list("area", flat=True)) == {"Salmiya"}


def test_a_key_met_in_the_insert_runs_the_batch_again_tolerating_it(
    tmp_path, setup_regions, monkeypatch, caplog
):
    # Inserts are optimistic (no ON CONFLICT). A key can still be there when the insert runs:
    # another batch committed it after this one's probe (here: the probe is blind), or the
    # file repeats an id further back than the reader remembers. The batch is then rolled
    # back and run again with tolerant inserts; the counts are as always, and the progress
    # bar goes back to the start.
    IncidentFactory(source="kuwait", external_id="K-8", area="loaded before")
    monkeypatch.setattr(load, "existing_external_ids", lambda source, ids: set())
    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)
    monkeypatch.setattr(load, "INSERT_ROWS", 2)
    monkeypatch.setattr(load.staging, "INSERT_ROWS", 2)
    rows = [row(n) for n in range(1, 17)]
    rows[15] = row(1, area="repeat eight chunks later")
    progress = []
    with caplog.at_level("INFO", logger="incidents.pipeline.services"):
        batch = batch_ingest_file(
            path=write_csv(tmp_path / "late.csv", rows), progress=progress.append
        )
    assert "runs again, tolerating loaded ids" in caplog.text
    assert (batch.status, batch.received, batch.accepted, batch.duplicates) == ("done", 16, 14, 2)
    assert_invariant(batch)
    assert set(Incident.objects.values_list("area", flat=True)) == {"Salmiya", "loaded before"}
    assert min(progress) < 0 and sum(progress) == 16
