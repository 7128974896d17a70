"""Benchmarks of tech support (issue 12), one part at a time, each its own script:

    .venv/bin/python bench/support.py --part search [options]   bench/support_search.py
    .venv/bin/python bench/support.py --part sla [options]      bench/support_sla.py
    .venv/bin/python bench/support.py --part chat [options]     bench/support_chat.py

Options after the part go to that part's script (`--help` there lists them). Every part makes
its own scratch database beside --server and prints its figures against its target.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = {"search": "support_search.py", "sla": "support_sla.py", "chat": "support_chat.py"}


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] != "--part" or argv[1] not in PARTS:
        sys.exit(f"usage: bench/support.py --part {{{','.join(PARTS)}}} [options of that part]")
    script = HERE / PARTS[argv[1]]
    sys.argv = [str(script), *argv[2:]]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
