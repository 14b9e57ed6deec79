"""Absolute paths to the package's own folders and files, so nothing depends on the current
directory (papermill runs notebooks in the caller's directory, nbval in the notebook's).

Only the package's own files are here. Where a study's outputs go is decided once, by its
output root (``afstudy.study.Study``), and passed down explicitly.
"""

from __future__ import annotations

from pathlib import Path

PROJ_ROOT: Path = Path(__file__).resolve().parents[1]
SEEDS_DIR: Path = PROJ_ROOT / "seeds"
DATA_DIR: Path = PROJ_ROOT / "data"
GOLD_DIR: Path = DATA_DIR / "gold"
NOTEBOOKS_DIR: Path = PROJ_ROOT / "notebooks"
DOCS_DIR: Path = PROJ_ROOT / "docs"

OUTLETS_FILE: Path = DATA_DIR / "outlets.yaml"
DICTIONARY_FILE: Path = DATA_DIR / "dictionary.yaml"
METADATA_NAME: str = "metadata.csv"


def resolve(path: str | Path) -> Path:
    """Resolve ``path`` against the project root when it is relative."""
    p = Path(path)
    return p if p.is_absolute() else (PROJ_ROOT / p)

# The package's curated files (each module that loads one also names it).
ACTORS_FILE: Path = DATA_DIR / "actors.yaml"
QUOTE_RULES_FILE: Path = DATA_DIR / "quotes.yaml"
FRAMES_FILE: Path = DATA_DIR / "frames.yaml"
VALUE_SETS_FILE: Path = DATA_DIR / "value_sets.yaml"
