"""The ETL pipeline: readers (files and records → chunks of cells), validation
(``incidents.validation``), the database load (COPY + set-based SQL) and the batch services."""
