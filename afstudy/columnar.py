"""Parquet tables: the extraction's tables in columnar form (``afstudy extract --format parquet``).

The extraction writes its CSV tables as it streams (one pass, bounded memory); with
``--format parquet`` each table is then converted, in blocks of rows, to a Parquet file of
string columns with the same names, rows and values (an empty cell is an empty string, as
:func:`afstudy.io.read_csv` reads it), and the CSV is removed. Every later stage reads either
form through :func:`read_extract`, so a folder of Parquet tables and one of CSV tables give
the same results.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from afstudy.errors import InputError, OutputError
from afstudy.io import commit_temp, create_temp, describe

if TYPE_CHECKING:
    import pandas as pd

FORMATS: tuple[str, ...] = ("csv", "parquet")
BLOCK_BYTES = 16 << 20  # CSV bytes read per block while converting


def csv_to_parquet(source: Path, target: Path) -> int:
    """Convert one afstudy CSV table to Parquet (all columns strings); returns the rows."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    with open(source, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    schema = pa.schema([(name, pa.string()) for name in header])
    tmp, handle = create_temp(target)
    handle.close()
    rows = 0
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            if header:
                reader = pacsv.open_csv(
                    source,
                    read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
                    parse_options=pacsv.ParseOptions(newlines_in_values=True),
                    convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False),
                )
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
        commit_temp(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(target, f"cannot write: {describe(exc)}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows


def convert_folder(folder: Path) -> list[Path]:
    """Replace every CSV table of an extraction folder by its Parquet form."""
    written = []
    for source in sorted(folder.glob("*.csv")):
        target = source.with_suffix(".parquet")
        csv_to_parquet(source, target)
        source.unlink()
        written.append(target)
    return written


def read_extract(folder: Path, name: str) -> pd.DataFrame:
    """Table ``name`` of an extraction folder, from ``name.csv`` or ``name.parquet`` (strings,
    empty cells as empty strings, either way)."""
    from afstudy.io import read_csv

    csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    if csv_path.exists():
        return read_csv(csv_path)
    if parquet_path.exists():
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(parquet_path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise InputError(parquet_path, f"not a readable Parquet table ({exc.__class__.__name__})") from None
        return table.to_pandas()
    raise InputError(csv_path, f"no {name} table here (neither {name}.csv nor {name}.parquet)")


def has_table(folder: Path, name: str) -> bool:
    """Whether an extraction folder holds table ``name`` in either form."""
    return (folder / f"{name}.csv").exists() or (folder / f"{name}.parquet").exists()
