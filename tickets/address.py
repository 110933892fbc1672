"""Chinese addresses → 省/市/区 with national administrative codes and a coordinate.

Parsing uses **jionlp** (Apache-2.0, ``jio.parse_location``) rather than cpca:
- it recognises what customers really type: short names without the suffix (徐汇, 深圳南山), a district
  alone (徐汇区 → 上海市), a municipality without 市 (上海) and a street address glued to the district
  (上海徐汇漕溪北路88号). cpca 0.5.5 misses 徐汇 and stops at 上海市 for the glued address;
- it is maintained (division data of 2025 with a table of renamed and merged divisions, applied with
  ``change2new``), while cpca's last release (2021) carries the 2020 divisions;
- its dictionary gives every province, city and district its national code (GB/T 2260), and it needs
  nothing from the network at run time.
Its costs, accepted: about 200 MB installed (numpy and its segmenter jiojio come along), ~3 s to load
once per process (lazily, on the first address), a banner printed on import (swallowed here), and it
unpacks its zipped dictionaries next to itself on the first import (the build should import it once).

jionlp carries no coordinates, so a division's centre comes from ``tickets/data/division_centroids.csv``,
a committed table derived from cpca 0.5.5's ``resources/adcodes.csv`` (MIT): code, name, latitude,
longitude of each province, city and district. A division created after that table falls back to its
city's centre, then its province's.

A place is identified by the codes it stores (province, city, district); a centre serves it when one
of its coverage codes is one of them, which works at every level without comparing names.
"""

from __future__ import annotations

import contextlib
import csv
import io
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

CENTROIDS_PATH = Path(__file__).resolve().parent / "data" / "division_centroids.csv"

# Cities that jionlp lists as a container for county-level divisions governed directly by the
# province (湖北 仙桃) or for towns of a city without districts (东莞): not a name to show.
_CONTAINER_MARK = "直辖"

PLACE_FIELDS = ("province", "province_code", "city", "city_code", "district", "district_code")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    alias: str
    level: str  # "province", "city" or "district"
    province_code: str
    city_code: str = ""

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Place:
    """Where a customer, ticket or centre is: names and codes down to the district, the rest of the
    address as typed, and a coordinate (given, or the centre of the most precise division)."""

    province: str = ""
    province_code: str = ""
    city: str = ""
    city_code: str = ""
    district: str = ""
    district_code: str = ""
    detail: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @property
    def is_placed(self) -> bool:
        return bool(self.province_code)

    @property
    def code(self) -> str:
        """The most precise code known."""
        return self.district_code or self.city_code or self.province_code

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c for c in (self.province_code, self.city_code, self.district_code) if c)

    @property
    def label(self) -> str:
        names = [self.province]
        if self.city and self.city != self.province and _CONTAINER_MARK not in self.city:
            names.append(self.city)
        names.append(self.district)
        return "".join(n for n in names if n)

    def as_fields(self) -> dict[str, str]:
        """The stored fields (names and codes) of customers, tickets and centres."""
        return {k: getattr(self, k) for k in PLACE_FIELDS}


class _Divisions:
    """The national division tree from jionlp's dictionary, indexed by code and by names."""

    def __init__(self) -> None:
        self.by_code: dict[tuple[str, str], Division] = {}  # (level, code)
        self.children: dict[tuple[str, str], list[Division]] = {("", ""): []}
        self.by_names: dict[tuple[str, str, str], Division] = {}
        self.districts_in_province: dict[tuple[str, str], list[Division]] = {}
        tree = _jionlp_location_tree()
        for prov_name, prov in tree.items():
            p = Division(prov["_admin_code"], prov_name, prov["_alias"], "province", prov["_admin_code"])
            self._add(p, parent=("", ""), names=(prov_name, "", ""))
            for city_name, city in prov.items():
                if city_name.startswith("_"):
                    continue
                c = Division(city["_admin_code"], city_name, city["_alias"], "city", p.code, city["_admin_code"])
                self._add(c, parent=("province", p.code), names=(prov_name, city_name, ""))
                for district_name, district in city.items():
                    if district_name.startswith("_"):
                        continue
                    d = Division(district["_admin_code"], district_name, district["_alias"], "district", p.code,
                                 c.code)
                    self._add(d, parent=("city", c.code), names=(prov_name, city_name, district_name))
                    self.districts_in_province.setdefault((prov_name, district_name), []).append(d)

    def _add(self, division: Division, *, parent: tuple[str, str], names: tuple[str, str, str]) -> None:
        self.by_code.setdefault((division.level, division.code), division)
        self.children.setdefault(parent, []).append(division)
        self.by_names[names] = division

    def find(self, level: str, code: str) -> Division | None:
        return self.by_code.get((level, code))

    def any_level(self, code: str) -> Division | None:
        """The division of a code, the most precise level first (a municipality's city shares the
        province's code)."""
        for level in ("district", "city", "province"):
            if (found := self.by_code.get((level, code))) is not None:
                return found
        return None


_lock = threading.Lock()
_state: dict[str, Any] = {}


def _jionlp():
    """Import jionlp once, quietly (it prints banners on import)."""
    with _lock:
        if "jio" not in _state:
            with contextlib.redirect_stdout(io.StringIO()):
                import jionlp

            _state["jio"] = jionlp
        return _state["jio"]


def _jionlp_location_tree() -> dict:
    _jionlp()
    from jionlp.dictionary import china_location_loader

    return china_location_loader()


@cache
def divisions() -> _Divisions:
    return _Divisions()


@cache
def _centroids() -> dict[str, tuple[Decimal, Decimal]]:
    with CENTROIDS_PATH.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {r["code"]: (Decimal(r["lat"]), Decimal(r["lng"])) for r in rows}


def division_centre(*codes: str) -> tuple[Decimal, Decimal] | None:
    """The centre of the first of ``codes`` (most precise first) that the table knows; a district
    unknown to the table falls back to its city's code, then its province's."""
    table = _centroids()
    for code in codes:
        if not code:
            continue
        for candidate in (code, code[:4] + "00", code[:2] + "0000"):
            if candidate in table:
                return table[candidate]
    return None


def division_children(*, level: str = "", code: str = "") -> list[Division]:
    """The picker's options: provinces (no arguments), the cities of a province
    (``level="province"``) or the districts of a city (``level="city"``)."""
    # national code order (北京, 天津, 河北 …; 黄浦, 徐汇 …), the order every Chinese address list uses
    return sorted(divisions().children.get((level, code), []), key=lambda d: d.code)


def _with_centre(place: Place, latitude: Any = None, longitude: Any = None) -> Place:
    if latitude not in (None, "") and longitude not in (None, ""):
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    else:
        centre = division_centre(place.district_code, place.city_code, place.province_code)
        lat, lon = centre if centre else (None, None)
    # Its values are immutable: ``replace`` is enough, where ``asdict`` deep-copied each of them on
    # every address of every report.
    return replace(place, latitude=lat, longitude=lon)


def place_from_code(code: str, *, detail: str = "") -> Place | None:
    """The place of a code picked from the list (a district, a city or a province), or None when the
    code is unknown."""
    division = divisions().any_level((code or "").strip())
    if division is None:
        return None
    index = divisions()
    province = index.find("province", division.province_code)
    city = index.find("city", division.city_code) if division.city_code else None
    district = division if division.level == "district" else None
    if division.level == "city":
        city = division
    place = Place(
        province=province.name if province else "", province_code=province.code if province else "",
        city=city.name if city else "", city_code=city.code if city else "",
        district=district.name if district else "", district_code=district.code if district else "",
        detail=detail,
    )
    return _with_centre(place)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Place:
    jio = _jionlp()
    result = jio.parse_location(text, change2new=True)
    province, city, district = result.get("province") or "", result.get("city") or "", result.get("county") or ""
    detail = (result.get("detail") or "").strip()
    if not province:  # a district name shared by several cities (朝阳区): not placeable on its own
        return Place(district=district, detail=detail)
    index = divisions()
    p = index.by_names.get((province, "", ""))
    c = index.by_names.get((province, city, "")) if city else None
    d = index.by_names.get((province, city, district)) if city and district else None
    if district and d is None:  # a county-level city governed by the province (湖北仙桃)
        matches = index.districts_in_province.get((province, district), [])
        if len(matches) == 1:
            d = matches[0]
            c = index.find("city", d.city_code)
    return Place(
        province=province, province_code=p.code if p else "",
        city=c.name if c else city, city_code=c.code if c else "",
        district=district, district_code=d.code if d else "",
        detail=detail,
    )


def address_parse(text: str) -> Place:
    """Parse free text such as 上海, 徐汇区 or 上海徐汇漕溪北路88号 into 省/市/区 with codes and the
    district's centre as coordinate. The result is unplaced (``is_placed`` False) when the text names
    no division or only an ambiguous one."""
    text = (text or "").strip()
    if not text:
        return Place()
    return _with_centre(_parse(text[:200]))


def _joined(*parts: str) -> str:
    """Join the address fields, dropping a field already contained in the text before it (a customer
    who types 上海市 as city and 上海市徐汇区… as address)."""
    out = ""
    for part in parts:
        part = (part or "").strip()
        if part and part not in out:
            out += part
    return out


def address_resolve(*, code: str = "", province: str = "", city: str = "", district: str = "",
                    address: str = "", latitude: Any = None, longitude: Any = None) -> Place:
    """One place from whatever a form or an import gives: a picked code wins over the typed names;
    otherwise the names and the street address are parsed together. Given coordinates are kept;
    without them the place gets the centre of its most precise division."""
    text = _joined(province, city, district, address)
    parsed = _parse(text[:300]) if text else Place()
    if code:
        picked = place_from_code(code, detail=(address or "").strip())
        # The typed text may only refine the pick (a province picked, the district typed).
        if picked is not None and not (parsed.is_placed and code in parsed.codes and parsed.code != code):
            return _with_centre(picked, latitude, longitude)
    return _with_centre(parsed, latitude, longitude)


def place_fields(place: Place, *, keep_position: bool = False) -> dict[str, Any]:
    """The model fields to store for ``place``: names, codes and, unless the caller already holds a
    position, the coordinate."""
    fields: dict[str, Any] = place.as_fields()
    if not keep_position and place.latitude is not None:
        fields["latitude"], fields["longitude"] = place.latitude, place.longitude
    return fields


def ticket_place(ticket: Any) -> tuple[frozenset[str], Any, Any]:
    """Division codes and coordinate of where a ticket is served: its own, else its customer's; a
    ticket stored before codes existed is placed from its typed names (cached parse)."""
    codes = frozenset(c for c in (ticket.province_code, ticket.city_code, ticket.district_code) if c)
    lat = ticket.latitude if ticket.latitude is not None else ticket.customer.latitude
    lon = ticket.longitude if ticket.longitude is not None else ticket.customer.longitude
    if not codes:
        customer = ticket.customer
        place = address_resolve(code=customer.district_code or customer.city_code or customer.province_code,
                                province=customer.province, city=ticket.city or customer.city,
                                district=ticket.district or customer.district, address=ticket.address)
        codes = place.codes
    if lat is None or lon is None:
        centre = division_centre(*sorted(codes, key=lambda c: len(c.rstrip("0")), reverse=True))
        lat, lon = centre if centre else (None, None)
    return codes, lat, lon
