"""Absolute paths to every project folder, so nothing depends on the current directory.

papermill runs notebooks in the caller's directory and nbval in the notebook's, so
notebooks and code import these constants instead of writing relative paths.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT: Path = Path(__file__).resolve().parents[1]
# Where generated outputs go. Tests and `make verify` point AFSTUDY_OUTPUT_ROOT at a
# temporary folder so that rebuilding never overwrites the committed outputs.
OUTPUT_ROOT: Path = Path(os.environ.get("AFSTUDY_OUTPUT_ROOT") or PROJ_ROOT).resolve()

SEEDS_DIR: Path = PROJ_ROOT / "seeds"
DATA_DIR: Path = PROJ_ROOT / "data"
GOLD_DIR: Path = DATA_DIR / "gold"
NOTEBOOKS_DIR: Path = PROJ_ROOT / "notebooks"
DOCS_DIR: Path = PROJ_ROOT / "docs"
INTERIM_DIR: Path = OUTPUT_ROOT / "data" / "interim"
PROCESSED_DIR: Path = OUTPUT_ROOT / "data" / "processed"
FIGURES_DIR: Path = OUTPUT_ROOT / "figures"
BUILD_DIR: Path = OUTPUT_ROOT / "build"

OUTLETS_FILE: Path = DATA_DIR / "outlets.yaml"
DICTIONARY_FILE: Path = DATA_DIR / "dictionary.yaml"
METADATA_NAME: str = "metadata.csv"


def resolve(path: str | Path) -> Path:
    """Resolve ``path`` against the project root when it is relative."""
    p = Path(path)
    return p if p.is_absolute() else (PROJ_ROOT / p)
