"""What BI tools see besides the rows: table and column comments, primary keys, indexes and
the views for the common questions, declared once and applied on DuckDB and PostgreSQL alike.

``umkm.warehouse`` applies this catalog every time it publishes: on PostgreSQL keys, indexes
and comments are built on the staging tables and the views and grants are re-created inside
the swap transaction; on DuckDB everything is built into the new database file before it
replaces the published one. The view SQL is plain SQL that both engines understand. View
names start with ``v_``: the PostgreSQL swap drops every ``v_*`` view of the published schemas
before it replaces their tables.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableSpec:
    """A published table: what it holds, what its columns mean, its key and indexes."""

    name: str
    comment: str
    columns: dict[str, str] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ViewSpec:
    """A view for a common BI question, over the curated tables."""

    name: str
    comment: str
    sql: str


_UMKM_COLUMNS = {
    "umkm_id": "Persistent id of the business, stable across nightly runs",
    "business_name": "Business name from the most trusted source record",
    "kab_code": "Kabupaten/kota code (BPS/Kemendagri, 4 digits, Banten = 36xx)",
    "kab_name": "Kabupaten/kota name",
    "kecamatan_code": "Kecamatan code (6 digits)",
    "kecamatan_name": "Kecamatan name",
    "kbli": "KBLI 2020 business classification (5 digits)",
    "sector": "Sector (KBLI section) in words",
    "size_class": "Size class of PP 7/2021 (Usaha Mikro / Kecil / Menengah / Besar)",
    "nib": "Nomor Induk Berusaha (13 digits) from OSS or a registry; null when unregistered",
    "is_registered": "True when the business has a NIB",
    "in_regional_registry": "True when a regional Dinas Koperasi dan UKM registry lists it",
    "in_oss": "True when the national OSS licence extract lists it",
    "sells_online": "True when at least one marketplace lists it",
    "platforms": "Comma-separated marketplaces it sells on",
    "platform_count": "Number of marketplaces it sells on",
    "sources": "Comma-separated sources that list it",
    "source_record_count": "Number of accepted source records linked to it",
    "is_active": "Whether the most trusted source reports it as active",
    "registered_on": "Registration date from the most trusted source",
    "first_seen": "Earliest snapshot date of its records",
    "last_seen": "Latest snapshot date of its records",
    "owner_nik_hash": "HMAC-SHA256 of the owner's NIK under the warehouse secret (counts "
                      "owners without revealing them); null without a NIK",
    "owner_phone_hash": "HMAC-SHA256 of the business's phone number (E.164) under the "
                        "warehouse secret; null without a phone",
}

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (
    TableSpec(
        "curated.umkm", "One row per business (UMKM) in Banten: the golden record, rebuilt "
        "nightly. No personal data in the clear.", _UMKM_COLUMNS,
        primary_key=("umkm_id",),
        indexes=(("kab_code",), ("nib",), ("kbli",)),
    ),
    TableSpec(
        "curated.umkm_source_record", "One row per accepted source record and the business "
        "it is linked to", {
            "source": "Source key of the landing contract (registry_36xx, oss, a marketplace)",
            "source_record_id": "The record's key in its source, as text",
            "umkm_id": "Business the record is linked to (curated.umkm.umkm_id)",
            "match_confidence": "Best match probability to another record of the business; "
                                "null for a business of one record or a record held by last "
                                "night's business",
            "match_rule": "How the record was linked: deterministic (NIB), probabilistic "
                          "(match model), previous run (held by last night's business), "
                          "singleton",
            "platform": "Marketplace of the record; null for registries and OSS",
            "snapshot_date": "Date of the delivery the record was read from",
        },
        primary_key=("source", "source_record_id"),
        indexes=(("umkm_id",),),
    ),
    TableSpec(
        "curated.umkm_attribute_provenance", "Which source record each golden attribute of a "
        "business was taken from", {
            "umkm_id": "Business (curated.umkm.umkm_id)",
            "attribute": "Golden attribute name",
            "source_record": "source:source_record_id the value came from",
        },
        primary_key=("umkm_id", "attribute"),
    ),
    TableSpec(
        "curated.umkm_retired_id", "Retired business ids and the current id they lead to", {
            "retired_umkm_id": "An id no longer in curated.umkm",
            "successor_umkm_id": "The current id that replaced it",
            "event": "Why it was retired (merged, split, retired)",
            "retired_at": "When it was retired",
        },
        indexes=(("retired_umkm_id",),),
    ),
    TableSpec(
        "quality.rejected_record", "One row per quarantined source record of the latest run, "
        "with the reason (raw rows are in restricted.rejected_raw_record)", {
            "source": "Source key",
            "source_record_id": "Record key; null when the row could not be read far enough",
            "reason": "Stable category: malformed, duplicate_key, no_usable_name, out_of_scope",
            "details": "What exactly was wrong",
            "snapshot_date": "Delivery date of the row",
            "source_file": "File name in the delivery",
            "row_number": "Row number in the file",
            "run_id": "Dagster run that quarantined it",
        },
        indexes=(("source", "reason"),),
    ),
    TableSpec(
        "quality.run_metrics", "Per nightly run and source: records read, accepted, rejected "
        "by reason, businesses and matched records (read = accepted + rejected); appended", {
            "run_id": "Dagster run id",
            "run_started_at": "When the run published",
            "source": "Source key, or (all) for the whole run",
            "records_read": "Rows read from the source's current snapshot",
            "records_accepted": "Rows accepted and linked to a business",
            "records_rejected": "Rows quarantined",
            "businesses": "Distinct businesses among the accepted rows",
            "records_matched": "Accepted rows linked to a business with other records",
        },
        indexes=(("run_id",),),
    ),
    TableSpec(
        "quality.source_delivery", "Per run and source: which delivery was used and which "
        "files were broken; appended", {
            "run_id": "Dagster run id", "source": "Source key",
            "delivered_on": "Delivery date", "status": "current, broken, ...",
        },
        indexes=(("run_id",),),
    ),
    TableSpec(
        "quality.umkm_id_history", "Every business id minted, kept, merged, split or retired, "
        "per run; appended", {
            "umkm_id": "Business id", "event": "minted, merged, split, retired, ...",
            "related_umkm_id": "The other id of a merge or split",
            "run_id": "Dagster run id",
        },
        indexes=(("umkm_id",), ("run_id",)),
    ),
    TableSpec(
        "quality.match_link", "Every scored pair of records of the latest run, with the match "
        "probability and the comparison levels and weights behind it", {
            "left_record": "source:source_record_id", "right_record": "source:source_record_id",
            "probability": "Match probability of the Splink model",
            "match_weight": "Total match weight", "joined": "Whether clustering joined them",
        },
        indexes=(("left_record",), ("right_record",)),
    ),
    TableSpec(
        "quality.match_model", "The trained entity-resolution models; appended on training", {
            "model_version": "Version id of the model", "model_json": "Splink settings",
        },
    ),
    TableSpec(
        "restricted.source_record_personal_data", "Personal data of the source records (UU "
        "27/2022): owner name, NIK, phones, e-mail, address. Authorised users only.", {
            "owner_name": "Owner's name (personal data)", "nik": "Owner's NIK (personal data)",
            "phone_e164": "Phone number, E.164 (personal data)",
            "email": "E-mail address (personal data)",
        },
        primary_key=("source", "source_record_id"),
        indexes=(("umkm_id",),),
    ),
    TableSpec(
        "restricted.rejected_raw_record", "Raw quarantined rows as delivered; may contain "
        "personal data. Authorised users only.", {},
    ),
    TableSpec(
        "restricted.canonical_record", "Every accepted record of the run in canonical form, "
        "personal data included: the archive a source falls back to when none of its files "
        "can be used. Authorised users only.", {
            "unparsed": "Raw text of the fields no standardiser understood, as a JSON object "
                        "(field -> text); null when every field was understood",
            "match_hash": "Hash of the fields matching compares: a record whose hash is the "
                          "same the next night keeps the scores of its pairs",
        },
        primary_key=("source", "source_record_id"),
    ),
    TableSpec(
        "quality.umkm_retired_record", "The records of each id retired in the last 30 days: "
        "when they come back, the business gets its id back (a revival)", {
            "umkm_id": "The retired id", "source": "Source key of one of its records",
            "source_record_id": "Record key of that record in its source",
            "retired_at": "When the id was retired (UTC)",
        },
    ),
    TableSpec(
        "quality.publication", "One row per publish: the run whose tables are live, and "
        "how many rows it wrote to each table", {
            "run_id": "Dagster run id of the run that published",
            "published_at": "When the run published (UTC)",
            "table_rows": "Rows written per table, as JSON",
            "views_fingerprint": "Hash of the views' definitions at that publish",
        },
    ),
    TableSpec(
        "restricted.match_score", "Every candidate pair of the night with its match "
        "probability, by stable record keys: the scores an incremental night reuses", {
            "key_l": "Stable 63-bit key of one record (from source:source_record_id)",
            "key_r": "Stable 63-bit key of the other record (key_l < key_r)",
            "probability": "Match probability of the pair under the model",
            "model_version": "The model that scored the pair",
        },
    ),
    TableSpec(
        "restricted.match_frequency", "How often each value occurred when the current match "
        "model was trained (term frequencies, name word counts); may hold personal values", {
            "column_name": "The compared feature (or name_word, or (records) for the total)",
            "value": "The value", "frequency": "How often it occurred",
        },
    ),
)}

VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec(
        "curated.v_umkm_per_kabupaten_sector",
        "Businesses per kabupaten/kota and sector, with how many are registered and online",
        """
        SELECT kab_code, kab_name, sector,
               count(*) AS businesses,
               count(*) FILTER (WHERE is_registered) AS registered,
               count(*) FILTER (WHERE sells_online) AS selling_online
        FROM curated.umkm
        GROUP BY kab_code, kab_name, sector
        """,
    ),
    ViewSpec(
        "curated.v_umkm_registration",
        "Registered (with a NIB) versus unregistered businesses per kabupaten/kota",
        """
        SELECT kab_code, kab_name,
               CASE WHEN is_registered THEN 'registered' ELSE 'unregistered' END
                   AS registration,
               count(*) AS businesses
        FROM curated.umkm
        GROUP BY kab_code, kab_name, is_registered
        """,
    ),
    ViewSpec(
        "curated.v_umkm_platforms",
        "Marketplaces per business: the platforms each business sells on, one row per "
        "business and platform",
        """
        SELECT DISTINCT r.umkm_id, r.platform, u.business_name, u.kab_code, u.kab_name
        FROM curated.umkm_source_record r
        JOIN curated.umkm u ON u.umkm_id = r.umkm_id
        WHERE r.platform IS NOT NULL
        """,
    ),
    ViewSpec(
        "curated.v_platform_count_distribution",
        "How many businesses sell on 0, 1, 2, ... marketplaces",
        """
        SELECT platform_count, count(*) AS businesses
        FROM curated.umkm
        GROUP BY platform_count
        """,
    ),
    ViewSpec(
        "curated.v_online_without_nib",
        "Businesses selling online that have no NIB (candidates for registration outreach)",
        """
        SELECT umkm_id, business_name, kab_code, kab_name, kecamatan_name, sector,
               platforms, platform_count, last_seen
        FROM curated.umkm
        WHERE sells_online AND nib IS NULL
        """,
    ),
)

#: schemas a BI reader may read; ``restricted`` and ``staging`` are never granted
BI_SCHEMAS = ("curated", "quality")
BI_READER_ROLE = "bi_reader"


def quote_literal(text: str) -> str:
    """A SQL string literal (single quotes doubled), valid on DuckDB and PostgreSQL."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def comment_statements(name: str, columns: list[str], relation: str = "TABLE",
                       target: str | None = None) -> list[str]:
    """COMMENT ON statements for table ``name`` (applied to ``target``, default ``name``) and
    those of its ``columns`` the catalog describes."""
    spec = TABLES.get(name)
    if spec is None:
        return []
    target = target or name
    statements = [f"COMMENT ON {relation} {target} IS {quote_literal(spec.comment)}"]
    statements += [
        f"COMMENT ON COLUMN {target}.{quote_ident(c)} IS {quote_literal(spec.columns[c])}"
        for c in columns if c in spec.columns
    ]
    return statements


def key_and_index_statements(name: str, columns: list[str], target: str | None = None,
                             if_not_exists: bool = False) -> list[str]:
    """PRIMARY KEY and CREATE INDEX statements for table ``name`` (built on ``target``);
    keys or indexes on columns the table does not have are skipped. Index names are
    ``<table>__<columns>_idx`` so they stay unique when the table moves schema."""
    spec = TABLES.get(name)
    if spec is None:
        return []
    target = target or name
    table = name.split(".")[1]
    statements = []
    if spec.primary_key and set(spec.primary_key) <= set(columns) and not if_not_exists:
        statements.append(f"ALTER TABLE {target} ADD PRIMARY KEY ("
                          + ", ".join(quote_ident(c) for c in spec.primary_key) + ")")
    for index in spec.indexes:
        if set(index) <= set(columns):
            statements.append(
                f"CREATE INDEX {'IF NOT EXISTS ' if if_not_exists else ''}"
                f"{table}__{'_'.join(index)}_idx ON {target} ("
                + ", ".join(quote_ident(c) for c in index) + ")")
    return statements


def view_statements(present: set[str]) -> dict[str, list[str]]:
    """Per view whose tables are all ``present``: its CREATE VIEW and COMMENT statements."""
    return {
        view.name: [f"CREATE VIEW {view.name} AS {view.sql.strip()}",
                    f"COMMENT ON VIEW {view.name} IS {quote_literal(view.comment)}"]
        for view in VIEWS if all(t in present for t in _tables_of(view))
    }


def views_fingerprint() -> str:
    """A hash of every view's name, SQL and comment: a publish re-creates the views only when
    it differs from the last publish's."""
    text = json.dumps([[v.name, v.sql, v.comment] for v in VIEWS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _tables_of(view: ViewSpec) -> list[str]:
    return [t for t in TABLES if re.search(rf"\b{re.escape(t)}\b", view.sql)]
