"""The database half of the pipeline: COPY payloads, staging, and set-based SQL.

The reader thread turns each chunk into ready COPY text (``raw_payload``,
``rejected_payload``, ``staging_payload``): raw records with ids reserved up front so clean
rows can point at them, rejected rows with their errors, and the valid rows with their region
and time features already derived in Python. The batch's connection only streams those into
``incidents_raw``, ``incidents_rejectedrow`` and a temporary staging table and runs one
``INSERT … SELECT`` per few chunks (``Staging``): it builds the point, joins the category,
and takes the region (the source's region code, else the one found in Python, else the
nearest).

Duplicates are kept out before the insert: rows whose (source, external id) an earlier batch
loaded never reach staging (``existing_external_ids``, run by the reader), and repeats within
a chunk or of the few chunks before it are dropped in pandas. So the insert is optimistic: a
plain ``INSERT``, which costs the database ~15 % less than ``ON CONFLICT DO NOTHING`` (a
speculative insertion per row; 1M rows: ~2 s). Should a key still collide (a repeat far apart
in the file, or another batch loading the same ids at the same time), ``IdConflict`` is
raised, the batch's transaction rolls back, and the batch runs again with ``tolerant``
inserts.

The package, along those seams: ``tables`` (the staging table, column orders, raw ids),
``copy_text`` (COPY encoding), ``dedup`` (known ids, near duplicates), ``regions`` (regions
derived from the data) and ``staging`` (the insert). Everything is re-exported here.
"""

from incidents.pipeline.load.copy_text import (
    BLOCK_LINES,
    NULL,
    Payload,
    copy_rows,
    joined_blocks,
    raw_payload,
    rejected_payload,
    staging_payload,
)
from incidents.pipeline.load.dedup import PROBE_SAMPLE, drop_near_duplicates, existing_external_ids
from incidents.pipeline.load.regions import derive_regions, hull
from incidents.pipeline.load.staging import (
    BULK_LOAD_ROWS,
    INSERT_ROWS,
    IdConflict,
    Staging,
    insert_incidents,
    refresh_after_load,
)
from incidents.pipeline.load.tables import (
    RAW_COLUMNS,
    REJECTED_COLUMNS,
    STAGING,
    STAGING_COLUMNS,
    TS,
    create_staging,
    raw_id_sequence,
    reserve_raw_ids,
)

__all__ = [
    "BLOCK_LINES",
    "BULK_LOAD_ROWS",
    "INSERT_ROWS",
    "NULL",
    "PROBE_SAMPLE",
    "RAW_COLUMNS",
    "REJECTED_COLUMNS",
    "STAGING",
    "STAGING_COLUMNS",
    "TS",
    "IdConflict",
    "Payload",
    "Staging",
    "copy_rows",
    "create_staging",
    "derive_regions",
    "drop_near_duplicates",
    "existing_external_ids",
    "hull",
    "insert_incidents",
    "joined_blocks",
    "raw_id_sequence",
    "raw_payload",
    "refresh_after_load",
    "rejected_payload",
    "reserve_raw_ids",
    "staging_payload",
]
