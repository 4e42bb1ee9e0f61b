"""A hostile night, end to end: a landing zone that follows the contract's letter but not the
demo generator's habits runs to success and publishes.

The newest complete delivery of the small landing zone is bent as real exports bend:
Tokopedia's header re-cased, padded and reordered (read normally); Shopee's header missing a
required column (the file is broken, named, and the source falls back); a BBI platform with
rows whose location is blank and whose names are placeholders (quarantined as
``no_usable_name``, never a crash); the Tangerang Selatan registry sent as UTF-8 instead of
cp1252 (decoded without mojibake); Blibli with an extra column (ignored).
"""

from __future__ import annotations

import csv
import io
import shutil

import pandas as pd
import pytest

from tests.conftest import query, run_nightly

#: a nightly run on a landing zone of hostile files
pytestmark = pytest.mark.slow

PLACEHOLDER_NAMES = ["...", "--", "???", "N/A", "null", "tidak ada", "0", "-", "."]


def _read(path, delimiter=",", encoding="utf-8-sig") -> pd.DataFrame:
    text = path.read_bytes().decode(encoding)
    return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)


def _write(path, frame: pd.DataFrame, delimiter=",", encoding="utf-8", newline="\n") -> None:
    out = io.StringIO()
    frame.to_csv(out, sep=delimiter, index=False, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    path.write_bytes(out.getvalue().encode(encoding))


@pytest.fixture(scope="module")
def hostile_night(small_landing, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    landing = root / "landing"
    shutil.copytree(small_landing, landing)
    newest = max(p for p in landing.iterdir() if (p / "_SUCCESS").exists())

    tokopedia = newest / "marketplace/tokopedia_sellers.csv"
    frame = _read(tokopedia)
    frame = frame[list(reversed(frame.columns))]
    frame.columns = [f"  {c.upper()} " for c in frame.columns]
    _write(tokopedia, frame)

    shopee = newest / "marketplace/shopee_shops.csv"
    if not shopee.exists():  # the newest delivery lacks it: bring the older one in
        shutil.copy(sorted(landing.glob("*/marketplace/shopee_shops.csv"))[-1], shopee)
    _write(shopee, _read(shopee).drop(columns=["shop_name"]))

    (bbi,) = [p for p in sorted(newest.glob("marketplace/bbi_*.csv"))][:1]
    frame = _read(bbi)
    junk = pd.DataFrame([{c: "" for c in frame.columns} for _ in PLACEHOLDER_NAMES])
    junk["platform"] = frame["platform"].iloc[0]
    junk["id_penjual"] = [f"JUNK{i}" for i in range(len(PLACEHOLDER_NAMES))]
    junk["nama_toko"] = PLACEHOLDER_NAMES
    junk["nama_pemilik"] = list(reversed(PLACEHOLDER_NAMES))
    blank_location = frame.iloc[:3].copy()
    blank_location["id_penjual"] = [f"NOWHERE{i}" for i in range(3)]
    for column in ("alamat", "kecamatan", "kota_kabupaten", "provinsi", "kode_pos"):
        blank_location[column] = ""
    _write(bbi, pd.concat([frame, junk, blank_location], ignore_index=True))

    registry = newest / "registry/umkm_3674_tangsel.csv"
    if not registry.exists():
        shutil.copy(sorted(landing.glob("*/registry/umkm_3674_tangsel.csv"))[-1], registry)
    frame = _read(registry, delimiter=";", encoding="cp1252")
    frame.loc[0, "nama_usaha"] = "Kedai Café Nur’aini"
    _write(registry, frame, delimiter=";", encoding="utf-8", newline="\r\n")

    blibli = newest / "marketplace/blibli_merchants.csv"
    if blibli.exists():
        frame = _read(blibli, delimiter=";")
        frame["catatan_internal"] = "x"
        out = io.StringIO()
        frame.to_csv(out, sep=";", index=False)
        blibli.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))

    warehouse = root / "warehouse.duckdb"
    run_nightly(landing, warehouse)  # asserts the run succeeded
    return {
        "warehouse": warehouse,
        "newest": newest.name,
        "bbi": bbi,
        "junk_ids": [f"JUNK{i}" for i in range(len(PLACEHOLDER_NAMES))],
    }


def _deliveries(night) -> pd.DataFrame:
    return query(night["warehouse"], "SELECT * FROM quality.source_delivery")


def test_a_drifted_header_is_read_normally(hostile_night):
    deliveries = _deliveries(hostile_night)
    tokopedia = deliveries[deliveries["source"] == "tokopedia"]
    current = tokopedia[tokopedia["status"] == "current"]
    assert str(current["delivered_on"].iloc[0].date()) == hostile_night["newest"]
    linked = query(
        hostile_night["warehouse"],
        "SELECT count(*) AS n FROM curated.umkm_source_record WHERE source = 'tokopedia'",
    )["n"].iloc[0]
    assert linked > 0


def test_a_missing_required_column_breaks_the_file_and_names_the_column(hostile_night):
    deliveries = _deliveries(hostile_night)
    shopee = deliveries[deliveries["source"] == "shopee"]
    broken = shopee[shopee["status"] == "broken"]
    assert len(broken) == 1 and "shop_name" in broken["message"].iloc[0]
    assert set(shopee["status"]) & {"current", "archive"}  # held, not lost


def test_placeholder_names_are_quarantined_and_blank_locations_survive(hostile_night):
    source = hostile_night["bbi"].name.removeprefix("bbi_").removesuffix(".csv")
    rejected = query(
        hostile_night["warehouse"],
        f"""
        SELECT source_record_id, reason, details FROM quality.rejected_record
        WHERE source = '{source}' AND source_record_id LIKE 'JUNK%'""",
    )
    assert sorted(rejected["source_record_id"]) == sorted(hostile_night["junk_ids"])
    assert (rejected["reason"] == "no_usable_name").all()
    assert rejected["details"].str.contains("nama_toko").all()
    nowhere = query(
        hostile_night["warehouse"],
        f"""
        SELECT source_record_id FROM curated.umkm_source_record
        WHERE source = '{source}' AND source_record_id LIKE 'NOWHERE%'""",
    )
    assert len(nowhere) == 3  # an unknown location is no reason to drop a record


def test_a_registry_sent_as_utf8_is_decoded_without_mojibake(hostile_night):
    names = query(
        hostile_night["warehouse"],
        """
        SELECT business_name FROM restricted.canonical_record
        WHERE source = 'registry_3674'""",
    )["business_name"].dropna()
    assert any(n.startswith("Kedai Café Nur") for n in names)
    assert not names.str.contains("Ã|â€").any()
    deliveries = _deliveries(hostile_night)
    registry = deliveries[deliveries["source"] == "registry_3674"]
    assert (
        str(registry.loc[registry["status"] == "current", "delivered_on"].iloc[0].date())
        == hostile_night["newest"]
    )
