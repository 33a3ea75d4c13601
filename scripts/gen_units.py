"""Generate ``src/motcua/org/data/units_2025.json`` from the ``vietnamadminunits`` package.

Vietnam's two-tier local government (1 July 2025): 34 provinces and 3,321 commune-level units
(Resolution 202/2025/QH15; list and codes in Decision 19/2025/QĐ-TTg). The package ``vietnamadminunits``
(MIT) ships the new units with their codes, the 63-province legacy units and the old→new mapping. It is a
*generator-time* dependency only: motcua reads the JSON this script writes and never imports the package.

Usage (from the repository root, in any environment where ``vietnamadminunits`` is installed)::

    python scripts/gen_units.py                 # regenerate, stamped with today's date
    python scripts/gen_units.py --date 2025-07-01
    python scripts/gen_units.py --check         # exit 1 if the committed file differs (date ignored)

The output is deterministic: provinces sorted by code, communes by code, predecessors by code then name;
one commune per line so that a regeneration diffs line by line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

PACKAGE = "vietnamadminunits"
MIT_CLASSIFIER = "License :: OSI Approved :: MIT License"
LEGAL_BASIS = "Decision 19/2025/QĐ-TTg; Resolution 202/2025/QH15"

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "src" / "motcua" / "org" / "data" / "units_2025.json"

# Expected totals (Resolution 202/2025/QH15, Decision 19/2025/QĐ-TTg).
EXPECTED_PROVINCES = 34
EXPECTED_TYPES = {"xã": 2621, "phường": 687, "đặc khu": 13}

PROVINCE_TYPES = ("Thành phố", "Tỉnh")
NEW_COMMUNE_TYPES = ("Đặc khu", "Phường", "Xã")
OLD_COMMUNE_TYPES = ("Thị trấn", "Phường", "Xã")
OLD_DISTRICT_TYPES = ("Thành phố", "Thị xã", "Huyện", "Quận")


class SourceError(RuntimeError):
    """The package's data does not look the way this generator expects."""


def _split_type(full_name: str, types: tuple[str, ...]) -> tuple[str, str]:
    """'Xã Chí Tiên' -> ('xã', 'Chí Tiên'). The type prefix of the official full name is authoritative.

    The prefix is matched without regard to case: the legacy table has a few 'Thị Trấn …' / 'Thành Phố …'.
    """
    for t in types:
        if full_name[: len(t) + 1].lower() == t.lower() + " ":
            return t.lower(), full_name[len(t) + 1 :]
    raise SourceError(f"unexpected unit name {full_name!r}: no prefix among {types}")


def package_info() -> tuple[str, Path]:
    """Version of the installed package and its data directory; refuses a package that is not MIT."""
    try:
        meta = importlib.metadata.metadata(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"{PACKAGE} is not installed: pip install {PACKAGE} (generator-time dependency only)")
    licence_fields = (meta.get_all("License") or []) + (meta.get_all("License-Expression") or [])
    classifiers = meta.get_all("Classifier") or []
    if MIT_CLASSIFIER not in classifiers and "MIT" not in licence_fields:
        sys.exit(f"{PACKAGE} {meta['Version']} no longer declares the MIT licence; check before regenerating")
    # find_spec does not execute the package (which would import shapely/geopy); we only read its data.
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"cannot locate the {PACKAGE} package directory")
    data_dir = Path(next(iter(spec.submodule_search_locations))) / "data"
    return meta["Version"], data_dir


def _rows(db: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    db.row_factory = sqlite3.Row
    return [dict(r) for r in db.execute(sql)]


def build(data_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Return (provinces, notes). Raises SourceError if the mapping does not close."""
    notes: list[str] = []
    with sqlite3.connect(data_dir / "dataset.db") as db:
        new_rows = _rows(
            db,
            "SELECT province, provinceShort, provinceCode, provinceKey, ward, wardShort, wardType, wardCode,"
            " wardKey FROM admin_units",
        )
        old_rows = _rows(
            db,
            "SELECT province, provinceShort, provinceKey, district, districtKey, ward, wardType, wardCode,"
            " wardKey FROM admin_units_legacy",
        )
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))

    # --- new units -------------------------------------------------------------------------------
    provinces: dict[str, dict[str, Any]] = {}
    communes: dict[tuple[str, str], dict[str, Any]] = {}
    for r in new_rows:
        ptype, pname = _split_type(r["province"], PROVINCE_TYPES)
        if pname != r["provinceShort"]:
            raise SourceError(f"province name mismatch: {r['province']!r} vs {r['provinceShort']!r}")
        prov = provinces.setdefault(
            r["provinceKey"], {"code": r["provinceCode"], "name": pname, "type": ptype, "communes": []}
        )
        if prov["code"] != r["provinceCode"]:
            raise SourceError(f"province {pname} has two codes")
        ctype, cname = _split_type(r["ward"], NEW_COMMUNE_TYPES)
        if r["wardType"].lower() != ctype:
            notes.append(
                f"{r['ward']} ({r['wardCode']}, {pname}): package column wardType says {r['wardType']!r};"
                f" the official name and the package's own key say {ctype!r}; kept {ctype!r}"
            )
        commune = {"code": r["wardCode"], "name": cname, "type": ctype, "predecessors": []}
        key = (r["provinceKey"], r["wardKey"])
        if key in communes:
            raise SourceError(f"duplicate new commune key {key}")
        communes[key] = commune
        prov["communes"].append(commune)

    # --- old units, keyed the way converter_2025.json refers to them ------------------------------
    old_by_key: dict[str, dict[str, Any]] = {}
    for r in old_rows:
        old_key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        if r["ward"]:
            otype, oname = _split_type(r["ward"], OLD_COMMUNE_TYPES)
            if (r["wardType"] or "").lower() != otype:
                notes.append(
                    f"old unit {r['ward']} ({r['wardCode']}, {r['district']}, {r['province']}):"
                    f" package column wardType says {r['wardType']!r}; kept {otype!r} from the name"
                )
            pred = {"name": oname, "type": otype, "code": r["wardCode"]}
        else:
            # An island district that had no commune-level units (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn,
            # Côn Đảo): the whole district is the predecessor of the new đặc khu.
            dtype, dname = _split_type(r["district"], ("Huyện",))
            pred = {"name": dname, "type": dtype, "code": None}
        dtype, dname = _split_type(r["district"], OLD_DISTRICT_TYPES)
        pred["district"] = f"{dtype[0].upper()}{dtype[1:]} {dname}"  # canonical case: 'Thành phố Bắc Kạn'
        pred["province"] = r["provinceShort"]
        if old_key in old_by_key:
            raise SourceError(f"duplicate old unit key {old_key}")
        old_by_key[old_key] = pred

    # --- old → new -------------------------------------------------------------------------------
    used: Counter[str] = Counter()
    links: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)

    def link(pkey: str, wkey: str, old_key: str, part: bool) -> None:
        if (pkey, wkey) not in communes:
            raise SourceError(f"mapping names an unknown new commune {pkey}/{wkey}")
        if old_key not in old_by_key:
            raise SourceError(f"mapping names an unknown old unit {old_key}")
        pred = dict(old_by_key[old_key])
        if part:
            pred["part"] = True
        links[(pkey, wkey)].append(pred)
        used[old_key] += 1

    for pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, old_keys in wards.items():
            for old_key in old_keys:
                link(pkey, wkey, old_key, part=False)
    for pkey, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            for t in targets:
                link(pkey, t["newWardKey"], old_key, part=True)

    unused = sorted(set(old_by_key) - set(used))
    if unused:
        notes.append(f"{len(unused)} old units map to no new commune: {unused[:10]}")
    for key, commune in communes.items():
        preds = links.get(key, [])
        preds.sort(
            key=lambda p: (p["code"] is None, p["code"] or "", p["province"], p["district"], p["name"])
        )
        seen = [(p["code"], p["district"], p["name"]) for p in preds]
        if len(seen) != len(set(seen)):
            raise SourceError(f"duplicate predecessor in {commune['name']}")
        commune["predecessors"] = preds
        if not preds:
            notes.append(f"{commune['name']} ({commune['code']}) has no predecessor in the package")

    out = sorted(provinces.values(), key=lambda p: p["code"])
    for p in out:
        p["communes"].sort(key=lambda c: c["code"])
    return out, notes


def check_counts(provinces: list[dict[str, Any]]) -> list[str]:
    problems = []
    if len(provinces) != EXPECTED_PROVINCES:
        problems.append(f"{len(provinces)} provinces, expected {EXPECTED_PROVINCES}")
    types = Counter(c["type"] for p in provinces for c in p["communes"])
    if dict(types) != EXPECTED_TYPES:
        problems.append(f"commune types {dict(types)}, expected {EXPECTED_TYPES}")
    codes = [c["code"] for p in provinces for c in p["communes"]]
    if len(codes) != len(set(codes)) or not all(c and len(c) == 5 and c.isdigit() for c in codes):
        problems.append("commune codes are not unique 5-digit strings")
    if not all(len(p["code"]) == 2 and p["code"].isdigit() for p in provinces):
        problems.append("province codes are not 2-digit strings")
    return problems


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def render(provinces: list[dict[str, Any]], source: dict[str, str]) -> str:
    """Compact JSON, one commune per line (valid JSON; diff-friendly)."""
    lines = ["{" + '"source":' + _dump(source) + ","]
    lines.append('"provinces":[')
    for i, p in enumerate(provinces):
        head = {k: v for k, v in p.items() if k != "communes"}
        lines.append(_dump(head)[:-1] + ',"communes":[')
        for j, c in enumerate(p["communes"]):
            lines.append(_dump(c) + ("," if j < len(p["communes"]) - 1 else ""))
        lines.append("]}" + ("," if i < len(provinces) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def _generated_date(arg: str | None) -> str:
    if arg:
        return dt.date.fromisoformat(arg).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    return dt.date.today().isoformat()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--date", help="generated date YYYY-MM-DD (default: SOURCE_DATE_EPOCH or today)")
    ap.add_argument("--check", action="store_true", help="compare with --output instead of writing it")
    args = ap.parse_args(argv)

    version, data_dir = package_info()
    provinces, notes = build(data_dir)
    problems = check_counts(provinces)
    for note in notes:
        print("note:", note, file=sys.stderr)
    if problems:
        for pr in problems:
            print("error:", pr, file=sys.stderr)
        return 2

    source = {
        "package": PACKAGE,
        "version": version,
        "licence": "MIT",
        "generated": _generated_date(args.date),
        "legal_basis": LEGAL_BASIS,
    }
    if args.check:
        if not args.output.exists():
            print(f"{args.output} is missing", file=sys.stderr)
            return 1
        current = json.loads(args.output.read_text(encoding="utf-8"))
        source["generated"] = current.get("source", {}).get("generated", source["generated"])
        if args.output.read_text(encoding="utf-8") != render(provinces, source):
            print(f"{args.output} is out of date: run python scripts/gen_units.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0

    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = render(provinces, source)
    args.output.write_text(text, encoding="utf-8")
    n = sum(len(p["communes"]) for p in provinces)
    preds = sum(len(c["predecessors"]) for p in provinces for c in p["communes"])
    print(
        f"wrote {args.output} ({len(text.encode('utf-8')):,} bytes): {len(provinces)} provinces,"
        f" {n} communes, {preds} predecessor links, from {PACKAGE} {version}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
