"""The 29 sources of the landing contract and how the demo simulates each.

A `SourceSpec` names the source key, its file inside a delivery folder, its
format family, how often a business appears in it, how it numbers its records
and how often it delivers after the first day.

The demo plays the outside world, so it spells the contract's file names and
formats out itself instead of importing the pipeline's ``schemas.catalog``: a
mistake in the pipeline's catalog must make the end-to-end tests fail, not be
copied into the test data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyFormat:
    """How a source spells its record keys: prefix + zero-padded number (or bare digits)."""

    prefix: str
    digits: int
    start: int
    pad: bool = True


@dataclass(frozen=True)
class SourceSpec:
    """One source of the landing contract."""

    key: str
    path: str
    fmt: str
    presence: float
    key_format: KeyFormat | None
    later_delivery: float = 0.6
    kab_code: str = ""
    platform_name: str = ""
    bom: bool = False

    @property
    def is_registry(self) -> bool:
        """Regional registry of one kabupaten/kota (R1, R2 or R3)."""
        return self.fmt in ("R1", "R2", "R3")

    @property
    def is_marketplace(self) -> bool:
        """Marketplace seller export (platforms only)."""
        return self.path.startswith("marketplace/")


REGISTRY_PRESENCE = 0.55
SECOND_REGISTRY_RECORD = 0.03
SECOND_SHOP = 0.05
OSS_PRESENCE_GIVEN_NIB = 0.95

R1_ID_PREFIXES = {"3601": "PDG", "3602": "LBK", "3604": "SRG", "3673": "KTS"}

BBI_PLATFORMS = (
    # key, display name, presence, key format, BOM
    (
        "tiktokshop",
        "TikTok Shop",
        0.12,
        KeyFormat("", 19, 5_200_000_000_000_000_000, pad=False),
        True,
    ),
    ("zalora", "Zalora", 0.03, KeyFormat("ZLR", 6, 100_000), False),
    ("bhinneka", "Bhinneka", 0.02, KeyFormat("BHN-", 5, 10_000), True),
    ("ralali", "Ralali", 0.03, KeyFormat("", 6, 100_000, pad=False), False),
    ("mbizmarket", "Mbizmarket", 0.015, KeyFormat("MBZ", 6, 100_000), False),
    ("padiumkm", "PaDi UMKM", 0.05, KeyFormat("PADI-", 7, 1_000_000), False),
    ("elevenia", "Elevenia", 0.015, KeyFormat("ELV", 7, 1_000_000), False),
    ("qoo10", "Qoo10", 0.01, KeyFormat("Q10-", 6, 100_000), False),
    ("sociolla", "Sociolla", 0.01, KeyFormat("SCL", 6, 100_000), False),
    ("orami", "Orami", 0.02, KeyFormat("ORM", 5, 10_000), False),
    ("jdid", "JD.ID", 0.02, KeyFormat("JD", 8, 10_000_000), True),
    ("blanja", "Blanja", 0.01, KeyFormat("BLJ-", 6, 100_000), True),
    ("pesona", "Pesona", 0.04, KeyFormat("PSN", 6, 100_000), False),
    ("grabmart", "GrabMart", 0.04, KeyFormat("GM-", 8, 10_000_000), True),
    ("evermos", "Evermos", 0.03, KeyFormat("EVM", 6, 100_000), False),
)
CLOSED_PLATFORMS = ("jdid", "blanja")
TIKTOK_SELLERS_ON_TOKOPEDIA = 0.7


def _registry_specs() -> list[SourceSpec]:
    """The eight regional registries."""
    files = {
        "3601": ("registry/umkm_3601_pandeglang.xlsx", "R1"),
        "3602": ("registry/umkm_3602_lebak.xlsx", "R1"),
        "3603": ("registry/umkm_3603_kab_tangerang.csv", "R2"),
        "3604": ("registry/umkm_3604_kab_serang.xlsx", "R1"),
        "3671": ("registry/umkm_3671_kota_tangerang.csv", "R2"),
        "3672": ("registry/umkm_3672_cilegon.json", "R3"),
        "3673": ("registry/umkm_3673_kota_serang.xlsx", "R1"),
        "3674": ("registry/umkm_3674_tangsel.csv", "R2"),
    }
    specs = []
    for kab_code, (path, fmt) in files.items():
        if fmt == "R1":
            key_format = KeyFormat(R1_ID_PREFIXES[kab_code] + "-", 6, 500)
        elif fmt == "R2":
            key_format = KeyFormat(kab_code, 7, 100)
        else:
            key_format = KeyFormat("", 4, 4000, pad=False)
        specs.append(
            SourceSpec(
                f"registry_{kab_code}",
                path,
                fmt,
                REGISTRY_PRESENCE,
                key_format,
                later_delivery=0.55,
                kab_code=kab_code,
            )
        )
    return specs


def _marketplace_specs() -> list[SourceSpec]:
    """The five big platforms with their own export formats."""
    return [
        SourceSpec(
            "tokopedia",
            "marketplace/tokopedia_sellers.csv",
            "TOKOPEDIA",
            0.30,
            KeyFormat("", 8, 10_000_000, pad=False),
            later_delivery=1.0,
        ),
        SourceSpec(
            "shopee",
            "marketplace/shopee_shops.csv",
            "SHOPEE",
            0.35,
            KeyFormat("", 10, 100_000_000, pad=False),
            later_delivery=1.0,
        ),
        SourceSpec(
            "lazada",
            "marketplace/lazada_sellers.xlsx",
            "LAZADA",
            0.08,
            KeyFormat("", 10, 100_000_000, pad=False),
            later_delivery=0.6,
        ),
        SourceSpec(
            "bukalapak",
            "marketplace/bukalapak_stores.jsonl",
            "BUKALAPAK",
            0.10,
            KeyFormat("", 8, 1_000_000, pad=False),
            later_delivery=0.65,
        ),
        SourceSpec(
            "blibli",
            "marketplace/blibli_merchants.csv",
            "BLIBLI",
            0.05,
            KeyFormat("-", 6, 10_000, pad=False),
            later_delivery=0.5,
            bom=True,
        ),
    ]


def _bbi_specs() -> list[SourceSpec]:
    """The 15 smaller platforms sharing the BBI template."""
    specs = []
    for key, name, presence, key_format, bom in BBI_PLATFORMS:
        later = 0.0 if key in CLOSED_PLATFORMS else 0.55
        specs.append(
            SourceSpec(
                key,
                f"marketplace/bbi_{key}.csv",
                "BBI",
                presence,
                key_format,
                later_delivery=later,
                platform_name=name,
                bom=bom,
            )
        )
    return specs


def all_sources() -> list[SourceSpec]:
    """All 29 sources in contract order."""
    return [
        *_registry_specs(),
        SourceSpec(
            "oss", "oss/nib_banten.csv", "OSS", OSS_PRESENCE_GIVEN_NIB, None, later_delivery=0.7
        ),
        *_marketplace_specs(),
        *_bbi_specs(),
    ]


def sources_by_key() -> dict[str, SourceSpec]:
    """Source key -> spec."""
    return {spec.key: spec for spec in all_sources()}
