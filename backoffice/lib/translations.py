"""Compile the gettext catalogues (.po -> .mo) in pure Python.

The build runs this, so a fresh machine needs no gettext tools:
``python -m backoffice.lib.translations``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]


def compile_catalogues(locale_dir: Path) -> list[Path]:
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        catalogue.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def main() -> int:
    written = compile_catalogues(ROOT / "locale")
    for path in written:
        print(f"compiled {path.relative_to(ROOT)}")
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
