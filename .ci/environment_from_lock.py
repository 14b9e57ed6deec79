"""Write environment.yml (conda / Binder / repo2docker) from requirements.lock.

The pins are copied from the lock so the two cannot drift; tests/test_project.py checks it.
Usage: python .ci/environment_from_lock.py [requirements.lock] [environment.yml]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*==[^\s;\\]+)")


def main(lock: str = "requirements.lock", out: str = "environment.yml") -> None:
    pins = [m.group(1) for line in Path(lock).read_text().splitlines() if (m := PIN.match(line))]
    lines = [
        "# Generated from requirements.lock by .ci/environment_from_lock.py (make lock); do not edit.",
        "# Conda / Binder / repo2docker environment with the same pins as the pip lock.",
        "name: afstudy",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *[f"      - {pin}" for pin in pins],
        "      - -e .",
    ]
    tmp = Path(out).with_suffix(".yml.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(out)


if __name__ == "__main__":
    main(*sys.argv[1:])
