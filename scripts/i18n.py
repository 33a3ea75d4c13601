"""Keep the English catalogue in step with the templates.

Vietnamese is the source language: every ``_("…")`` in a template is a Vietnamese msgid. This script extracts
them and rewrites ``web/locale/en/LC_MESSAGES/messages.po``, keeping existing translations; new strings get an
empty msgstr (shown in Vietnamese until translated). ``--check`` exits 1 when a string is missing or untranslated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parents[1] / "src" / "motcua" / "web"
PO = WEB / "locale" / "en" / "LC_MESSAGES" / "messages.po"


def extracted() -> list[str]:
    found: list[str] = []
    method_map = [("templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(WEB), method_map=method_map):
        if isinstance(message, str) and message not in found:
            found.append(message)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    old = Catalog(locale="en")
    if PO.exists():
        with PO.open("rb") as fh:
            old = read_po(fh, locale="en")
    messages = extracted()
    missing = [m for m in messages if not (old.get(m) and old.get(m).string)]
    if args.check:
        for m in missing:
            print(f"untranslated: {m}")
        return 1 if missing else 0
    new = Catalog(locale="en", project="motcua", language_team="motcua")
    for m in messages:
        current = old.get(m)
        new.add(m, current.string if current else "")
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, new, width=120, omit_header=False, sort_output=False)
    print(f"{len(messages)} strings, {len(missing)} untranslated -> {PO}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
