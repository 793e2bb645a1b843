"""Legal variants of the decision deadline: named override sets over the baseline assumptions.

``base`` has no overrides. The named variants ship in ``data/variants.csv``; users add their own in a CSV
with the same columns plus ``variant`` first (``mpp-xl run --variants FILE``).
"""

from __future__ import annotations

import csv
import io
import re
import weakref
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .assumptions import COLUMNS, Assumption, Registry, check_header_unique, parse_table, read_csv_file
from .errors import MppError

BASE = "base"
NAMED_VARIANTS = ("base", "all_undone", "first_holds")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    description_nl: str
    records: tuple[Assumption, ...]

    @property
    def legal_only(self) -> bool:
        """True when the variant touches only deadline and penalty assumptions (the chain is unchanged)."""
        return all(r.parameter.startswith(("deadline.", "penalty.")) for r in self.records)


def parse_variant_rows(rows: list[list], where: str, registry: Registry, decimal_comma: bool = False,
                       descriptions: dict[str, tuple[str, str]] | None = None,
                       known: dict[str, Variant] | None = None) -> dict[str, Variant]:
    """Rows with a ``variant`` column followed by the assumption columns -> variants by name."""
    if not rows:
        raise MppError(f"{where}: the table is empty")
    header = [str(c).strip().lower() for c in rows[0]]
    check_header_unique(header, where)
    if "variant" not in header:
        raise MppError(f"{where}: header must contain variant,{','.join(COLUMNS)}; missing column 'variant'")
    at = header.index("variant")
    groups: dict[str, list[tuple[int, list]]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in row):
            continue
        name = str(row[at]).strip().lower() if at < len(row) else ""
        if not _NAME.fullmatch(name):
            raise MppError(f"{where}, row {number}, column 'variant': '{name}' is not a valid variant name "
                           f"(lower-case letters, digits and _)")
        if name == BASE or (known and name in known):
            raise MppError(f"{where}, row {number}, column 'variant': variant '{name}' is already defined")
        groups.setdefault(name, []).append((number, row))
    out = {}
    for name, members in groups.items():
        table = [rows[0]] + [row for _, row in members]
        records = parse_table(table, where, registry, decimal_comma=decimal_comma,
                              row_numbers=[n for n, _ in members], key_column="variant")
        text, text_nl = (descriptions or {}).get(name, (f"custom variant from {where}",
                                                         f"eigen variant uit {Path(where).name}"))
        out[name] = Variant(name, text, text_nl, records)
    return out


def default_variants(registry: Registry) -> dict[str, Variant]:
    """The shipped variants (``data/variants.csv``), read once per registry."""
    if registry not in _SHIPPED:
        _SHIPPED[registry] = _read_default_variants(registry)
    return dict(_SHIPPED[registry])


_SHIPPED: "weakref.WeakKeyDictionary[Registry, dict[str, Variant]]" = weakref.WeakKeyDictionary()


def _read_default_variants(registry: Registry) -> dict[str, Variant]:
    data = resources.files("mpp_xl").joinpath("data")
    described = {r["variant"]: (r["description"], r["beschrijving"]) for r in
                 csv.DictReader(io.StringIO(data.joinpath("variant_descriptions.csv").read_text(encoding="utf-8")))}
    rows = list(csv.reader(io.StringIO(data.joinpath("variants.csv").read_text(encoding="utf-8"))))
    variants = {BASE: Variant(BASE, *described[BASE], ())}
    variants.update(parse_variant_rows(rows, "variants.csv", registry, descriptions=described))
    return variants


def load_variant_file(path: str | Path, registry: Registry, known: dict[str, Variant]) -> dict[str, Variant]:
    return load_variant_file_hashed(path, registry, known)[0]


def load_variant_file_hashed(path: str | Path, registry: Registry,
                             known: dict[str, Variant]) -> tuple[dict[str, Variant], str]:
    """The variants of a file and the hash of the bytes they were read from (the file is read once)."""
    rows, semicolon, digest = read_csv_file(path, "a variants file")
    return parse_variant_rows(rows, str(path), registry, decimal_comma=semicolon, known=known), digest
