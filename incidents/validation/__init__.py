"""Record validation: one set of rules for the batch pipeline and for single records.

``validate_frame`` checks a chunk of records at once (vectorised with pandas) and is what the
pipeline runs. ``validate_record`` runs the very same function on a one-row frame, so a
record accepted through the API and one accepted from a file cannot be judged differently.

Every failing record gets every error found, each ``RowError(field, code, message)``:
``field`` names the source column (or the canonical field for canonical records), ``code`` is
stable for programs, ``message`` is for the person fixing the data.

Error codes: ``required``, ``too_long``, ``invalid_timestamp``, ``future_timestamp``,
``too_old``, ``invalid_coordinate``, ``invalid_wkt``, ``outside_service_area``,
``unknown_category``, ``category_excluded``, ``invalid_severity``, ``invalid_channel``,
``malformed_row`` (reader: wrong number of CSV fields), ``invalid_record`` (reader: a JSON
item that is not an object).

The package: ``records`` (results, errors, constants), ``cells`` (column helpers),
``fields`` (per-field checks) and ``frame`` (``validate_frame`` as named steps,
``validate_record``). Everything is re-exported here.
"""

from incidents.validation.cells import nul_cells, parse_timestamps, stripped_column
from incidents.validation.frame import validate_frame, validate_record
from incidents.validation.records import (
    CLEAN_COLUMNS,
    NEAR_DUPLICATE_METRES,
    NEAR_DUPLICATE_SECONDS,
    REGION_CODE,
    WKT_POINT,
    CleanRecord,
    FrameResult,
    RowError,
    known_category_codes,
    stringify,
)

__all__ = [
    "CLEAN_COLUMNS",
    "NEAR_DUPLICATE_METRES",
    "NEAR_DUPLICATE_SECONDS",
    "REGION_CODE",
    "WKT_POINT",
    "CleanRecord",
    "FrameResult",
    "RowError",
    "known_category_codes",
    "nul_cells",
    "parse_timestamps",
    "stringify",
    "stripped_column",
    "validate_frame",
    "validate_record",
]
