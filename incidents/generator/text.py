"""The rows' numbers as the text columns of the CSV, a chunk at a time."""

from __future__ import annotations

import numpy as np

from incidents.generator.config import CHANNELS, FUTURE_DATE, UNKNOWN_CATEGORY


class Tables:
    """The text a row's numbers turn into: labels, areas, channels, descriptions."""

    def __init__(self, config: dict) -> None:
        table = config["category_table"]
        self.labels = np.asarray(
            [[c["name_en"], c["name_ar"]] for c in table]
            + [[u, u] for u in config["unknown_categories"]]
        )
        self.unknown = len(table)
        self.n_unknown = len(config["unknown_categories"])
        self.areas = np.asarray([[c["name"], c["name_ar"]] for c in config["centres"]] + [["", ""]])
        self.channels, self.channel_offset, self.channel_count = _flatten(
            [config["channel_labels"][c] for c in CHANNELS]
        )
        lists = [config["descriptions"][c["code"]][lang] for c in table for lang in ("en", "ar")]
        self.descriptions, self.description_offset, self.description_count = _flatten(lists)


def _flatten(lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = np.asarray([len(items) for items in lists])
    return (
        np.asarray([item for items in lists for item in items]),
        np.cumsum(counts) - counts,
        counts,
    )


def _timestamps(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")


def _coordinates(values: np.ndarray, fault: np.ndarray) -> np.ndarray:
    text = np.round(values, 6).astype("U16")
    text[fault == 3] = ""
    text[fault == 4] = "N/A"
    return text


def format_rows(
    rows: dict[str, np.ndarray], tables: Tables, prefix: str, window_end: int
) -> list[np.ndarray]:
    """One chunk of rows as the text columns of the CSV."""
    category, arabic, pick, kind = (
        rows["category"],
        rows["arabic"].astype(int),
        rows["pick"],
        rows["kind"],
    )
    label_row = np.where(
        kind == UNKNOWN_CATEGORY, tables.unknown + pick % tables.n_unknown, category
    )
    description = tables.description_offset[category * 2 + arabic]
    description = description + pick % tables.description_count[category * 2 + arabic]
    channel = tables.channel_offset[rows["channel"]] + pick % tables.channel_count[rows["channel"]]
    centre = np.where(rows["centre"] < 0, len(tables.areas) - 1, rows["centre"])
    reported = rows["time"] + rows["delay"]
    reported = np.where(kind == FUTURE_DATE, reported, np.minimum(reported, window_end))
    return [  # in the order of COLUMNS
        np.char.add(prefix, np.char.zfill(rows["id"].astype("U10"), 8)),
        _timestamps(rows["time"]),
        _timestamps(reported),
        tables.labels[label_row, arabic],
        _coordinates(rows["lat"], rows["fault"]),
        _coordinates(rows["lon"], rows["fault"]),
        tables.areas[centre, arabic],
        np.where(rows["centre"] < 0, "", rows["block"].astype("U2")),
        np.where(rows["severity"] == 0, "", rows["severity"].astype("U1")),
        tables.channels[channel],
        tables.descriptions[description],
    ]
