"""The source catalog: which file each source delivers, in which format, and how its columns map.

This is the single place that knows the landing contract's sources (section 2) and formats
(sections 3-5). A format says how to read a file and how its columns map onto the fields of
the source record layout (``SOURCE_FIELDS``); a source names its file, its format and what is
fixed for it (the registry's kabupaten/kota, the platform's name). A 21st platform that uses
an existing format is one more ``SourceSpec`` in ``SOURCES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReaderKind = Literal["titled_excel", "excel", "csv", "json_document", "json_lines"]
SourceKind = Literal["registry", "oss", "marketplace"]

#: Fields of the source record layout that a format can map its columns onto. Standardisation
#: turns them into the canonical record (``schemas.canonical.CanonicalRecord``).
SOURCE_FIELDS = (
    "business_name",  # name of the business or shop
    "owner_name",  # owner, PIC or seller name
    "legal_form",  # OSS jenis_pelaku_usaha / Blibli business_type
    "nik",
    "nib",
    "npwp",
    "registration_no",  # NIB or NPWP, told apart by length (Lazada)
    "phone",
    "email",
    "address",
    "kelurahan",
    "kecamatan",
    "city",  # kabupaten/kota as free text
    "city_and_kecamatan",  # 'KOTA SERANG - CIPOCOK JAYA' (Shopee)
    "province",
    "postal_code",
    "village_code",  # Kemendagri village code (OSS kode_wilayah)
    "kbli",
    "category",  # the business category as the source writes it
    "size_class",
    "turnover_yearly",
    "turnover_monthly",
    "registered_on",  # a date as text, in one of the contract's formats
    "registered_unix",  # a date as Unix seconds (Shopee ctime)
    "status",  # active / closed words of the source
    "closed_flag",  # 'true' when the shop is closed (Bukalapak)
    "active_flag",  # 'true' when the shop is active (Tokopedia)
    "shop_slug",  # shop URL slug or username
    "product_count",
)


@dataclass(frozen=True)
class FormatSpec:
    """How to read one export format and map its columns onto ``SOURCE_FIELDS``."""

    name: str
    reader: ReaderKind
    columns: tuple[str, ...]
    record_key: str
    #: raw column (or JSON path for JSON formats) -> source record field
    mapping: dict[str, str]
    #: regular expression a record key must match (at least: a letter or digit)
    record_key_pattern: str = r".*[^\W_]"
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None
    #: cell text that marks the header row of a titled Excel sheet
    header_marker: str | None = None
    #: JSON formats: path of the record list and of the announced record count
    records_path: str | None = None
    count_path: str | None = None

    @property
    def required(self) -> tuple[str, ...]:
        """Header columns a file cannot be read without: the record key and every column the
        mapping takes a field from. The format's other columns may be missing (read blank)."""
        return tuple(c for c in self.columns if c == self.record_key or c in self.mapping)


@dataclass(frozen=True)
class SourceSpec:
    """One of the landing contract's sources: a file in every delivery folder."""

    key: str
    path: str
    format: FormatSpec
    kind: SourceKind
    #: Kemendagri code of the kabupaten/kota a registry covers
    region_code: str | None = None
    #: display name of a marketplace platform
    platform: str | None = None
    #: closed platforms deliver no more; their last snapshot stays current
    retired: bool = False
    #: survivorship trust: lower wins when sources disagree
    trust_rank: int = 50
    description: str = ""
    #: a file with more than this share fewer rows than the last snapshot is held back
    max_shrink: float = 0.3


R1 = FormatSpec(
    name="R1",
    reader="titled_excel",
    sheet="DATA UMKM",
    header_marker="NAMA USAHA",
    columns=(
        "NO",
        "ID UMKM",
        "NAMA USAHA",
        "NAMA PEMILIK",
        "NIK",
        "JENIS KELAMIN",
        "ALAMAT",
        "DESA/KELURAHAN",
        "KECAMATAN",
        "NO. HP/WA",
        "BIDANG USAHA",
        "NIB",
        "OMZET/TAHUN (Rp)",
        "TANGGAL TERDAFTAR",
    ),
    record_key="ID UMKM",
    record_key_pattern=r"^[A-Z]{2,5}-\d+$",
    mapping={
        "NAMA USAHA": "business_name",
        "NAMA PEMILIK": "owner_name",
        "NIK": "nik",
        "ALAMAT": "address",
        "DESA/KELURAHAN": "kelurahan",
        "KECAMATAN": "kecamatan",
        "NO. HP/WA": "phone",
        "BIDANG USAHA": "category",
        "NIB": "nib",
        "OMZET/TAHUN (Rp)": "turnover_yearly",
        "TANGGAL TERDAFTAR": "registered_on",
    },
)

R2 = FormatSpec(
    name="R2",
    reader="csv",
    encoding="cp1252",
    delimiter=";",
    columns=(
        "id_umkm",
        "nama_usaha",
        "nama_pemilik",
        "nik",
        "alamat",
        "rt",
        "rw",
        "kelurahan",
        "kecamatan",
        "kode_pos",
        "telepon",
        "email",
        "kbli",
        "bidang_usaha",
        "omzet_bulanan",
        "tanggal_daftar",
        "status",
    ),
    record_key="id_umkm",
    record_key_pattern=r"^\d+$",
    mapping={
        "nama_usaha": "business_name",
        "nama_pemilik": "owner_name",
        "nik": "nik",
        "alamat": "address",
        "kelurahan": "kelurahan",
        "kecamatan": "kecamatan",
        "kode_pos": "postal_code",
        "telepon": "phone",
        "email": "email",
        "kbli": "kbli",
        "bidang_usaha": "category",
        "omzet_bulanan": "turnover_monthly",
        "tanggal_daftar": "registered_on",
        "status": "status",
    },
)

R3 = FormatSpec(
    name="R3",
    reader="json_document",
    records_path="$.data",
    count_path="$.count",
    columns=("id",),
    record_key="id",
    record_key_pattern=r"^\d+$",
    mapping={
        "$.usaha.nama": "business_name",
        "$.usaha.bidang": "category",
        "$.usaha.nib": "nib",
        "$.usaha.kbli": "kbli",
        "$.pemilik.nama": "owner_name",
        "$.pemilik.nik": "nik",
        "$.pemilik.hp": "phone",
        "$.lokasi.alamat": "address",
        "$.lokasi.kelurahan": "kelurahan",
        "$.lokasi.kecamatan": "kecamatan",
        "$.lokasi.kode_pos": "postal_code",
        "$.terdaftar": "registered_on",
        "$.omzet_tahunan": "turnover_yearly",
    },
)

OSS = FormatSpec(
    name="OSS",
    reader="csv",
    columns=(
        "nib",
        "nama_pelaku_usaha",
        "jenis_pelaku_usaha",
        "nama_usaha",
        "alamat_usaha",
        "kode_wilayah",
        "kode_pos",
        "kbli",
        "skala_usaha",
        "tanggal_terbit",
        "telepon",
        "email",
    ),
    record_key="nib",
    record_key_pattern=r"^\d{13}$",
    mapping={
        "nib": "nib",
        "nama_pelaku_usaha": "owner_name",
        "jenis_pelaku_usaha": "legal_form",
        "nama_usaha": "business_name",
        "alamat_usaha": "address",
        "kode_wilayah": "village_code",
        "kode_pos": "postal_code",
        "kbli": "kbli",
        "skala_usaha": "size_class",
        "tanggal_terbit": "registered_on",
        "telepon": "phone",
        "email": "email",
    },
)

TOKOPEDIA = FormatSpec(
    name="TOKOPEDIA",
    reader="csv",
    columns=(
        "shop_id",
        "shop_domain",
        "shop_name",
        "owner_name",
        "phone",
        "email",
        "city",
        "district",
        "postal_code",
        "joined_at",
        "products",
        "rating",
        "merchant_tier",
        "is_active",
    ),
    record_key="shop_id",
    record_key_pattern=r"^\d+$",
    mapping={
        "shop_domain": "shop_slug",
        "shop_name": "business_name",
        "owner_name": "owner_name",
        "phone": "phone",
        "email": "email",
        "city": "city",
        "district": "kecamatan",
        "postal_code": "postal_code",
        "joined_at": "registered_on",
        "products": "product_count",
        "is_active": "active_flag",
    },
)

SHOPEE = FormatSpec(
    name="SHOPEE",
    reader="csv",
    columns=(
        "shopid",
        "userid",
        "username",
        "shop_name",
        "seller_name",
        "phone",
        "shop_location",
        "ctime",
        "item_count",
        "rating_star",
        "follower_count",
        "last_active_time",
    ),
    record_key="shopid",
    record_key_pattern=r"^\d+$",
    mapping={
        "username": "shop_slug",
        "shop_name": "business_name",
        "seller_name": "owner_name",
        "phone": "phone",
        "shop_location": "city_and_kecamatan",
        "ctime": "registered_unix",
        "item_count": "product_count",
    },
)

LAZADA = FormatSpec(
    name="LAZADA",
    reader="excel",
    sheet="Sellers",
    columns=(
        "Seller ID",
        "Seller Name",
        "Shop Name",
        "Business Registration No.",
        "Contact Number",
        "Email",
        "Pickup Address",
        "City",
        "Province",
        "Registration Date",
        "Status",
    ),
    record_key="Seller ID",
    record_key_pattern=r"^\d+$",
    mapping={
        "Seller Name": "owner_name",
        "Shop Name": "business_name",
        "Business Registration No.": "registration_no",
        "Contact Number": "phone",
        "Email": "email",
        "Pickup Address": "address",
        "City": "city",
        "Province": "province",
        "Registration Date": "registered_on",
        "Status": "status",
    },
)

BUKALAPAK = FormatSpec(
    name="BUKALAPAK",
    reader="json_lines",
    columns=("store_id",),
    record_key="store_id",
    record_key_pattern=r"^\d+$",
    mapping={
        "$.username": "shop_slug",
        "$.store_name": "business_name",
        "$.owner.name": "owner_name",
        "$.owner.phone": "phone",
        "$.address.street": "address",
        "$.address.district": "kecamatan",
        "$.address.city": "city",
        "$.address.province": "province",
        "$.address.postal_code": "postal_code",
        "$.joined_at": "registered_on",
        "$.product_count": "product_count",
        "$.closed": "closed_flag",
    },
)

BLIBLI = FormatSpec(
    name="BLIBLI",
    reader="csv",
    delimiter=";",
    columns=(
        "merchant_code",
        "merchant_name",
        "pic_name",
        "pic_phone",
        "business_type",
        "npwp",
        "city",
        "address",
        "join_date",
        "total_sku",
        "rating",
    ),
    record_key="merchant_code",
    record_key_pattern=r"^[A-Z0-9]+-\d+$",
    mapping={
        "merchant_name": "business_name",
        "pic_name": "owner_name",
        "pic_phone": "phone",
        "business_type": "legal_form",
        "npwp": "npwp",
        "city": "city",
        "address": "address",
        "join_date": "registered_on",
        "total_sku": "product_count",
    },
)

BBI = FormatSpec(
    name="BBI",
    reader="csv",
    columns=(
        "platform",
        "id_penjual",
        "nama_toko",
        "nama_pemilik",
        "no_hp",
        "email",
        "alamat",
        "kecamatan",
        "kota_kabupaten",
        "provinsi",
        "kode_pos",
        "tanggal_bergabung",
        "jumlah_produk",
        "kategori",
        "nib",
    ),
    record_key="id_penjual",
    mapping={
        "nama_toko": "business_name",
        "nama_pemilik": "owner_name",
        "no_hp": "phone",
        "email": "email",
        "alamat": "address",
        "kecamatan": "kecamatan",
        "kota_kabupaten": "city",
        "provinsi": "province",
        "kode_pos": "postal_code",
        "tanggal_bergabung": "registered_on",
        "jumlah_produk": "product_count",
        "kategori": "category",
        "nib": "nib",
    },
)

FORMATS = {f.name: f for f in (R1, R2, R3, OSS, TOKOPEDIA, SHOPEE, LAZADA, BUKALAPAK, BLIBLI, BBI)}

_REGISTRIES = (
    ("3601", "R1", "registry/umkm_3601_pandeglang.xlsx", "Kab. Pandeglang"),
    ("3602", "R1", "registry/umkm_3602_lebak.xlsx", "Kab. Lebak"),
    ("3603", "R2", "registry/umkm_3603_kab_tangerang.csv", "Kab. Tangerang"),
    ("3604", "R1", "registry/umkm_3604_kab_serang.xlsx", "Kab. Serang"),
    ("3671", "R2", "registry/umkm_3671_kota_tangerang.csv", "Kota Tangerang"),
    ("3672", "R3", "registry/umkm_3672_cilegon.json", "Kota Cilegon"),
    ("3673", "R1", "registry/umkm_3673_kota_serang.xlsx", "Kota Serang"),
    ("3674", "R2", "registry/umkm_3674_tangsel.csv", "Kota Tangerang Selatan"),
)

#: the 15 platforms on the common BBI template: source key -> platform display name
BBI_PLATFORMS = {
    "tiktokshop": "TikTok Shop",
    "zalora": "Zalora",
    "bhinneka": "Bhinneka",
    "ralali": "Ralali",
    "mbizmarket": "Mbizmarket",
    "padiumkm": "PaDi UMKM",
    "elevenia": "Elevenia",
    "qoo10": "Qoo10",
    "sociolla": "Sociolla",
    "orami": "Orami",
    "jdid": "JD.ID",
    "blanja": "Blanja",
    "pesona": "Pesona",
    "grabmart": "GrabMart",
    "evermos": "Evermos",
}
RETIRED_PLATFORMS = frozenset({"jdid", "blanja"})


def _build_sources() -> tuple[SourceSpec, ...]:
    registries = [
        SourceSpec(
            key=f"registry_{code}",
            path=path,
            format=FORMATS[fmt],
            kind="registry",
            region_code=code,
            trust_rank=20,
            description=f"UMKM registry of the Dinas Koperasi dan UKM, {name} ({fmt})",
        )
        for code, fmt, path, name in _REGISTRIES
    ]
    oss = SourceSpec(
        key="oss",
        path="oss/nib_banten.csv",
        format=OSS,
        kind="oss",
        trust_rank=10,
        description="National OSS business-licence (NIB) extract, filtered to Banten",
    )
    big_platforms = [
        SourceSpec(
            key="tokopedia",
            path="marketplace/tokopedia_sellers.csv",
            format=TOKOPEDIA,
            kind="marketplace",
            platform="Tokopedia",
            trust_rank=40,
            description="Tokopedia seller export",
        ),
        SourceSpec(
            key="shopee",
            path="marketplace/shopee_shops.csv",
            format=SHOPEE,
            kind="marketplace",
            platform="Shopee",
            trust_rank=45,
            description="Shopee shop export",
        ),
        SourceSpec(
            key="lazada",
            path="marketplace/lazada_sellers.xlsx",
            format=LAZADA,
            kind="marketplace",
            platform="Lazada",
            trust_rank=35,
            description="Lazada seller export (Excel)",
        ),
        SourceSpec(
            key="bukalapak",
            path="marketplace/bukalapak_stores.jsonl",
            format=BUKALAPAK,
            kind="marketplace",
            platform="Bukalapak",
            trust_rank=40,
            description="Bukalapak store export (JSON lines)",
        ),
        SourceSpec(
            key="blibli",
            path="marketplace/blibli_merchants.csv",
            format=BLIBLI,
            kind="marketplace",
            platform="Blibli",
            trust_rank=35,
            description="Blibli merchant export",
        ),
    ]
    bbi = [
        SourceSpec(
            key=key,
            path=f"marketplace/bbi_{key}.csv",
            format=BBI,
            kind="marketplace",
            platform=name,
            retired=key in RETIRED_PLATFORMS,
            trust_rank=50,
            description=f"{name} seller export on the common BBI template",
        )
        for key, name in BBI_PLATFORMS.items()
    ]
    return (*registries, oss, *big_platforms, *bbi)


SOURCES: tuple[SourceSpec, ...] = _build_sources()
SOURCES_BY_KEY: dict[str, SourceSpec] = {s.key: s for s in SOURCES}
