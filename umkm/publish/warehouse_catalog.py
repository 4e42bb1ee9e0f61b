"""What BI tools see besides the rows: table and column comments, primary keys, indexes and
the views for the common questions, declared once and applied on DuckDB and PostgreSQL alike.

``umkm.publish.warehouse`` applies this catalog every time it publishes: on PostgreSQL keys, indexes
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

from schemas.curated import UNKNOWN_LABEL, CuratedUmkm, column_descriptions


def quote_literal(text: str) -> str:
    """A SQL string literal (single quotes doubled), valid on DuckDB and PostgreSQL."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


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
    """A view for a common BI question, over the curated tables; its computed columns are
    described here, its other columns by the tables' descriptions (``describe``)."""

    name: str
    comment: str
    sql: str
    columns: dict[str, str] = field(default_factory=dict)


#: what a column means wherever it appears (a table's own description comes first)
GLOSSARY: dict[str, str] = {
    **column_descriptions(CuratedUmkm),
    "source": "Source key of the landing contract (registry_36xx, oss, or a marketplace)",
    "source_record_id": "The record's key in its source, as text; with source, the key of "
    "curated.umkm_source_record",
    "snapshot_date": "Date of the delivery the record was read from",
    "run_id": "Dagster run id of the nightly run",
    "platform": "Marketplace display name",
    "businesses": "Number of businesses",
    "records": "Number of source records",
    "model_version": "Version id of the match model (quality.match_model)",
    # personal data, in restricted tables only
    "owner_name": "Owner's name (personal data)",
    "nik": "Owner's NIK (personal data)",
    "phone_e164": "Phone number, E.164 (personal data)",
    "phone_e164_alt": "A second phone number, E.164 (personal data)",
    "email": "E-mail address (personal data)",
    "address": "Address (personal data)",
}
#: columns named by a pattern, described by a template of the part the pattern captures
PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"gamma_(.+)",
        "Comparison level the pair reached on {0} (-1: missing on one side, 0: "
        "nothing alike, higher: closer; labels in quality.match_model)",
    ),
    (
        r"mw_tf_adj_(.+)",
        "Term-frequency adjustment of the {0} match weight (a common value weighs less)",
    ),
    (r"mw_(.+)", "Match weight the {0} comparison added to the pair"),
    (r"rejected_(.+)", "Rows quarantined for the reason {0}"),
    (r"share_quarantined_(.+)", "Share of the rows read quarantined for the reason {0}"),
    (r"share_missing_(.+)", "Share of the accepted records without a {0}"),
    (r"share_invalid_(.+)", "Share of the accepted records whose {0} was there but invalid"),
    (r"(left|right)_source", "Source key of the pair's {0} record"),
    (r"(left|right)_source_record_id", "Record key of the pair's {0} record in its source"),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "curated.umkm",
            "One row per business (UMKM) in Banten: the golden record, rebuilt "
            "nightly. No personal data, no pseudonyms.",
            column_descriptions(CuratedUmkm),
            primary_key=("umkm_id",),
            indexes=(("kab_code",), ("nib",), ("kbli",), ("sector",)),
        ),
        TableSpec(
            "curated.umkm_source_record",
            "One row per accepted source record and the business it is linked to",
            {
                "umkm_id": "Business the record is linked to (curated.umkm.umkm_id)",
                "match_confidence": "Best match probability to another record of the business; "
                "null for a business of one record or a record held by last "
                "night's business",
                "match_rule": "How the record was linked: deterministic (NIB), probabilistic "
                "(match model), previous run (held by last night's business), "
                "singleton",
                "platform": "Marketplace of the record; null for registries and OSS",
            },
            primary_key=("source", "source_record_id"),
            indexes=(("umkm_id",),),
        ),
        TableSpec(
            "curated.umkm_attribute_provenance",
            "Which source record each golden attribute of a "
            "business was taken from (join to curated.umkm_source_record on source and "
            "source_record_id)",
            {
                "umkm_id": "Business (curated.umkm.umkm_id)",
                "attribute": "Golden attribute name (a column of curated.umkm)",
                "source": "Source key of the record the value came from",
                "source_record_id": "Record key of the record the value came from",
            },
            primary_key=("umkm_id", "attribute"),
        ),
        TableSpec(
            "curated.umkm_retired_id",
            "Retired business ids and the current id they lead to",
            {
                "retired_umkm_id": "An id no longer in curated.umkm",
                "successor_umkm_id": "The current id that replaced it; null when the business "
                "is gone",
                "event": "Why it was retired (merged, retired)",
                "retired_at": "When it was retired (UTC)",
            },
            indexes=(("retired_umkm_id",),),
        ),
        TableSpec(
            "curated.umkm_owner_summary",
            "Owners counted without naming them, per "
            "kabupaten/kota and for all Banten (kab_code 36); an owner is a valid NIK",
            {
                "kab_code": "Kabupaten/kota code, 36 for all Banten, (tidak diketahui) where no "
                "source says where the business is",
                "kab_name": "Kabupaten/kota name",
                "businesses_with_known_owner": "Businesses whose owner's NIK is known",
                "owners": "Distinct owners among them",
                "owners_of_several_businesses": "Owners who run more than one business",
            },
        ),
        TableSpec(
            "quality.rejected_record",
            "One row per quarantined source record of the latest run, "
            "with the reason (raw rows are in restricted.rejected_raw_record)",
            {
                "source_record_id": "Record key; null when the row could not be read far enough",
                "reason": "Stable category: malformed, duplicate_key, no_usable_name, out_of_scope",
                "details": "What exactly was wrong, naming the source's columns",
                "snapshot_date": "Delivery date of the row",
                "source_file": "File name in the delivery",
                "row_number": "Row number in the file (1 = first data row)",
                "run_id": "Dagster run that quarantined it",
            },
            indexes=(("source", "reason"),),
        ),
        TableSpec(
            "quality.run_metrics",
            "Per nightly run and source: records read, accepted, rejected "
            "by reason, businesses and matched records (read = accepted + rejected); appended",
            {
                "run_started_at": "When the run published",
                "source": "Source key, or (all) for the whole run",
                "snapshot_date": "Delivery date of the snapshot the source used",
                "records_read": "Rows read from the source's current snapshot",
                "records_accepted": "Rows accepted and linked to a business",
                "records_rejected": "Rows quarantined",
                "businesses": "Distinct businesses among the accepted rows",
                "records_matched": "Accepted rows linked to a business with other records",
            },
            indexes=(("run_id",),),
        ),
        TableSpec(
            "quality.source_delivery",
            "Per run and source: every file tried and what became of it; appended",
            {
                "delivered_on": "Delivery date of the file (or of the archived records)",
                "source_file": "The file's path in the landing zone",
                "status": "current (in use), broken, failed, held (passed over), archive (the "
                "records of the last successful run), missing, no_good_snapshot",
                "message": "Why the file was passed over",
            },
            indexes=(("run_id",),),
        ),
        TableSpec(
            "quality.umkm_id_history",
            "Every business id minted, merged, split, retired or "
            "revived, per run; appended (a kept id has no event)",
            {
                "umkm_id": "Business id",
                "event": "minted, merged, split, retired, revived",
                "related_umkm_id": "The other id of a merge (the survivor) or a split (the origin)",
                "records": "Records the id had after the event",
                "recorded_at": "When (UTC)",
                "cause": "steward decision N when a data steward's decision made the event; "
                "empty when the model and the rules did",
            },
            indexes=(("umkm_id",), ("run_id",)),
        ),
        TableSpec(
            "quality.review_queue",
            "The matching decisions most worth a data steward's time "
            "tonight, ranked by impact (python -m umkm.cli.review export; umkm/resolution/review_queue.py)",
            {
                "review_id": "Stable id of the item (its kind and records); quote it when "
                "deciding (python -m umkm.cli.review decide ... --review-id)",
                "rank": "1 = the highest impact",
                "kind": "weak_link, large_cluster, possible_match or cut_link",
                "impact": "Pairs of records the decision would put together or apart",
                "umkm_id": "The business of the left record",
                "other_umkm_id": "The business of the right record, when it is another",
                "records": "Records of the left record's business",
                "left_business_name": "Business name of the left record",
                "right_business_name": "Business name of the right record",
                "kab_code": "Kabupaten/kota of the left record",
                "probability": "Match probability of the pair (null for a large business)",
                "levels": "Comparison levels of the pair, as JSON (comparison -> level)",
                "question": "What the steward is asked",
            },
            primary_key=("review_id",),
        ),
        TableSpec(
            "quality.steward_decision_status",
            "Every data steward decision and what became of "
            "it tonight: applied, vanished (a record it names is gone) or contradicted",
            {
                "decision_id": "Id in steward.match_decision",
                "decision": "same_business, different_businesses or detach",
                "status": "applied, vanished or contradicted",
                "message": "Why it was not applied",
            },
        ),
        TableSpec(
            "quality.source_scorecard",
            "Per source and night: what the data a Dinas or platform "
            "sends is like (umkm/health/scorecard.py); appended. Export a source's own card with "
            "python -m umkm.cli.export quality.source_scorecard FILE --source KEY",
            {
                "run_started_at": "When the run published",
                "records_read": "Rows read from the source's snapshot",
                "records_accepted": "Rows accepted",
                "share_quarantined": "Share of the rows read that were quarantined",
                "share_duplicate_within_source": "Share of accepted records whose business the "
                "source lists more than once",
                "share_matched_nothing_elsewhere": "Share of accepted records whose business no "
                "other source lists",
            },
            indexes=(("run_id",),),
        ),
        TableSpec(
            "quality.umkm_retired_record",
            "The records of each id retired in the last 30 days: "
            "when they come back, the business gets its id back (a revival)",
            {
                "umkm_id": "The retired id",
                "retired_at": "When the id was retired (UTC)",
            },
        ),
        TableSpec(
            "quality.match_link",
            "Every pair of records the latest run linked (match "
            "probability at least 0.2, or a shared NIB), with the comparison levels and weights "
            "behind it",
            {
                "probability": "Match probability of the Splink model (1 for a shared NIB)",
                "match_weight": "Total match weight (log2 of the Bayes factor with the prior)",
                "rule": "probabilistic (the model) or same NIB",
                "joined": "Whether clustering put the two records into one business",
            },
            indexes=(
                ("left_source", "left_source_record_id"),
                ("right_source", "right_source_record_id"),
            ),
        ),
        TableSpec(
            "quality.match_model",
            "The trained entity-resolution models; appended on training",
            {
                "structure": "Fingerprint of the comparisons and blocking rules it was trained with",
                "trained_at": "When it was trained (UTC)",
                "trained_on_records": "Records it was trained on",
                "training_seconds": "How long training took",
                "model_json": "The model in Splink's JSON format (levels, m and u)",
            },
        ),
        TableSpec(
            "quality.publication",
            "One row per publish: the run whose tables are live, and "
            "how many rows it wrote to each table",
            {
                "run_id": "Dagster run id of the run that published",
                "published_at": "When the run published (UTC)",
                "table_rows": "Rows written per table, as JSON",
                "views_fingerprint": "Hash of the views' definitions at that publish",
                "restricted_file": "DuckDB: the file of the restricted tables of that publish",
            },
        ),
        TableSpec(
            "restricted.source_record_personal_data",
            "Personal data of the source records (UU "
            "27/2022): owner name, NIK, phones, e-mail, address. Authorised users only.",
            {},
            primary_key=("source", "source_record_id"),
            indexes=(("umkm_id",),),
        ),
        TableSpec(
            "restricted.umkm_owner_key",
            "Keyed hashes (HMAC-SHA256 under the warehouse secret) "
            "of each business's owner's NIK and phone: pseudonyms, personal data. Authorised "
            "users only.",
            {
                "owner_nik_hash": "HMAC-SHA256 of the owner's NIK; null without a NIK",
                "owner_phone_hash": "HMAC-SHA256 of the business's phone (E.164); null without",
            },
            primary_key=("umkm_id",),
        ),
        TableSpec(
            "restricted.rejected_raw_record",
            "Raw quarantined rows as delivered; may contain personal data. Authorised users only.",
            {
                "raw_record": "The row as read, as a JSON object of its cells",
                "reason": "Stable category: malformed, duplicate_key, no_usable_name, out_of_scope",
                "row_number": "Row number in the file (1 = first data row)",
            },
        ),
        TableSpec(
            "restricted.canonical_record",
            "Every accepted record of the run in canonical form, "
            "personal data included: the archive a source falls back to when none of its files "
            "can be used. Authorised users only.",
            {
                "unparsed": "Raw text of the fields no standardiser understood, as a JSON object "
                "(field -> text); null when every field was understood",
                "match_hash": "Hash of the fields matching compares: a record whose hash is the "
                "same the next night keeps the scores of its pairs",
                "business_name_norm": "Business name as matching compares it: case folded, "
                "shop words and decoration removed",
                "owner_name_norm": "Owner's name as matching compares it, without honorifics "
                "(personal data)",
                "shop_slug": "The marketplace shop's URL slug, normalised as the business name and "
                "written without spaces; null when the source gives none",
                "nik_issue": "Why the source's NIK was not kept (not 16 digits, typed as a number, "
                "not a valid region or birth date); null when it was kept or absent",
                "npwp": "Taxpayer number (NPWP, 15 or 16 digits)",
                "phone_masked": "True when the source gave the phone masked (0812****7890), so "
                "none is kept",
                "kelurahan": "Kelurahan/desa as the source wrote it",
                "postal_code": "Postal code (5 digits)",
                "region_scope": "banten when the record lies in Banten, unknown when no field "
                "says where it is",
                "legal_form": "Legal form as the source gives it (PT, CV, Orang Perseorangan, ...)",
                "turnover_yearly": "Yearly turnover in rupiah as the source reports it (a monthly "
                "figure times 12 when it reports one)",
                "product_count": "Number of products the marketplace lists for the shop",
            },
            primary_key=("source", "source_record_id"),
        ),
        TableSpec(
            "restricted.match_score",
            "Every candidate pair of the night with its match "
            "probability, by stable record keys: the scores an incremental night reuses",
            {
                "key_l": "Stable 63-bit key of one record (from source:source_record_id)",
                "key_r": "Stable 63-bit key of the other record (key_l < key_r)",
                "probability": "Match probability of the pair under the model",
            },
        ),
        TableSpec(
            "restricted.cluster_memo",
            "Each linked record's component of links with the signature of what clustering "
            "read of it and the cluster it made: an incremental night keeps the clusters of "
            "the components whose signature is unchanged",
            {
                "record_key": "Stable 63-bit key of the record (from source:source_record_id)",
                "signature_a": "First half of the 128-bit signature of the record's component: "
                "its records, links, must-links and pairs kept apart",
                "signature_b": "Second half of that signature",
                "cluster_key": "Stable key of the smallest record of the record's cluster",
            },
        ),
        TableSpec(
            "restricted.match_frequency",
            "How often each value occurred when the current match "
            "model was trained (term frequencies, name word counts); may hold personal values",
            {
                "column_name": "The compared feature (or name_word, or (records) for the total)",
                "value": "The value",
                "frequency": "How often it occurred",
            },
        ),
    )
}

#: how the views say "the sources cannot tell"
UNKNOWN = quote_literal(UNKNOWN_LABEL)
_KAB = f"coalesce(kab_code, {UNKNOWN}) AS kab_code, coalesce(kab_name, {UNKNOWN}) AS kab_name"
_KAB_GROUP = f"coalesce(kab_code, {UNKNOWN}), coalesce(kab_name, {UNKNOWN})"
_ACTIVITY = (
    f"CASE WHEN is_active THEN 'aktif' WHEN NOT is_active THEN 'tidak aktif' ELSE {UNKNOWN} END"
)
_SECTION = f"CASE WHEN kbli IS NULL THEN {UNKNOWN} ELSE kbli_section END"

VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec(
        "curated.v_umkm_per_kabupaten_sector",
        "Businesses per kabupaten/kota and sector, with how many are registered and online; "
        "(tidak diketahui) where the sources cannot tell",
        f"""
        SELECT {_KAB}, coalesce(sector, {UNKNOWN}) AS sector,
               count(*) AS businesses,
               count(*) FILTER (WHERE is_registered) AS registered,
               count(*) FILTER (WHERE sells_online) AS selling_online
        FROM curated.umkm
        GROUP BY {_KAB_GROUP}, coalesce(sector, {UNKNOWN})
        """,
        {
            "sector": "Sector, or (tidak diketahui)",
            "registered": "Businesses with a NIB among them",
            "selling_online": "Businesses on at least one marketplace among them",
        },
    ),
    ViewSpec(
        "curated.v_umkm_registration",
        "Registered (with a NIB) versus unregistered businesses per kabupaten/kota",
        f"""
        SELECT {_KAB},
               CASE WHEN is_registered THEN 'registered' ELSE 'unregistered' END
                   AS registration,
               count(*) AS businesses
        FROM curated.umkm
        GROUP BY {_KAB_GROUP}, is_registered
        """,
        {"registration": "registered (has a NIB) or unregistered"},
    ),
    ViewSpec(
        "curated.v_umkm_profile",
        "Businesses per kabupaten/kota, size class, activity and KBLI section, with the "
        "sources' gaps labelled (tidak diketahui) rather than left empty",
        f"""
        SELECT {_KAB}, coalesce(size_class, {UNKNOWN}) AS size_class,
               {_ACTIVITY} AS activity, {_SECTION} AS kbli_section,
               count(*) AS businesses
        FROM curated.umkm
        GROUP BY {_KAB_GROUP}, coalesce(size_class, {UNKNOWN}), {_ACTIVITY}, {_SECTION}
        """,
        {
            "size_class": "Size class, or (tidak diketahui)",
            "activity": "aktif, tidak aktif, or (tidak diketahui) when no source says",
            "kbli_section": "KBLI 2020 section, or (tidak diketahui) without a KBLI code",
        },
    ),
    ViewSpec(
        "curated.v_umkm_platforms",
        "Marketplaces per business: the documented way to filter by platform, one row per "
        "business and platform",
        """
        SELECT DISTINCT r.umkm_id, r.platform, u.business_name, u.kab_code, u.kab_name
        FROM curated.umkm_source_record r
        JOIN curated.umkm u ON u.umkm_id = r.umkm_id
        WHERE r.platform IS NOT NULL
        """,
        {"platform": "A marketplace the business sells on"},
    ),
    ViewSpec(
        "curated.v_umkm_sources",
        "Sources per business: the documented way to filter by source, one row per "
        "business and source",
        """
        SELECT DISTINCT r.umkm_id, r.source,
               CASE WHEN r.source LIKE 'registry%' THEN 'registry'
                    WHEN r.source = 'oss' THEN 'oss' ELSE 'marketplace' END AS source_kind,
               u.business_name, u.kab_code, u.kab_name
        FROM curated.umkm_source_record r
        JOIN curated.umkm u ON u.umkm_id = r.umkm_id
        """,
        {
            "source": "A source that lists the business",
            "source_kind": "registry, oss or marketplace",
        },
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


def describe(relation: str, column: str) -> str | None:
    """What ``column`` of a table or view means: its own description, the glossary's, or a
    pattern's; None when nothing describes it."""
    spec = TABLES.get(relation) or next((v for v in VIEWS if v.name == relation), None)
    if spec is not None and column in spec.columns:
        return spec.columns[column]
    if column in GLOSSARY:
        return GLOSSARY[column]
    for pattern, template in PATTERNS:
        match = re.fullmatch(pattern, column)
        if match:
            return template.format(*match.groups())
    return None


#: schemas a BI reader may read; ``restricted`` and ``staging`` are never granted
BI_SCHEMAS = ("curated", "quality")
BI_READER_ROLE = "bi_reader"


def comment_statements(
    name: str, columns: list[str], relation: str = "TABLE", target: str | None = None
) -> list[str]:
    """COMMENT ON statements for table or view ``name`` (applied to ``target``, default
    ``name``) and every one of its ``columns`` the catalog describes (``describe``)."""
    spec = TABLES.get(name) or next((v for v in VIEWS if v.name == name), None)
    if spec is None:
        return []
    target = target or name
    statements = [f"COMMENT ON {relation} {target} IS {quote_literal(spec.comment)}"]
    for column in columns:
        text = describe(name, column)
        if text:
            statements.append(
                f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {quote_literal(text)}"
            )
    return statements


def key_and_index_statements(
    name: str, columns: list[str], target: str | None = None, if_not_exists: bool = False
) -> list[str]:
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
        statements.append(
            f"ALTER TABLE {target} ADD PRIMARY KEY ("
            + ", ".join(quote_ident(c) for c in spec.primary_key)
            + ")"
        )
    for index in spec.indexes:
        if set(index) <= set(columns):
            statements.append(
                f"CREATE INDEX {'IF NOT EXISTS ' if if_not_exists else ''}"
                f"{table}__{'_'.join(index)}_idx ON {target} ("
                + ", ".join(quote_ident(c) for c in index)
                + ")"
            )
    return statements


def view_statements(present: set[str]) -> dict[str, list[str]]:
    """Per view whose tables are all ``present``: its CREATE VIEW and its comments (the
    view's and every column's)."""
    return {
        view.name: [
            f"CREATE VIEW {view.name} AS {view.sql.strip()}",
            *comment_statements(view.name, view_columns(view), relation="VIEW"),
        ]
        for view in VIEWS
        if all(t in present for t in _tables_of(view))
    }


def view_columns(view: ViewSpec) -> list[str]:
    """The output columns of a view, read from its SELECT list (``... AS name`` or a plain
    column, ``r.column``)."""
    found = re.search(r"SELECT\s+(?:DISTINCT\s+)?(.*?)\s+FROM\s", view.sql, re.S)
    if found is None:
        raise ValueError(f"view {view.name}: no SELECT ... FROM")
    select = found.group(1)
    columns, depth, current = [], 0, ""
    for char in select + ",":
        if char == "," and depth == 0:
            item = current.strip()
            alias = re.search(r"\bAS\s+(\w+)\s*$", item, re.I)
            columns.append(alias.group(1) if alias else item.split(".")[-1])
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    return columns


def views_fingerprint() -> str:
    """A hash of every view's name, SQL and comment: a publish re-creates the views only when
    it differs from the last publish's."""
    text = json.dumps([[v.name, v.sql, v.comment] for v in VIEWS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _tables_of(view: ViewSpec) -> list[str]:
    return [t for t in TABLES if re.search(rf"\b{re.escape(t)}\b", view.sql)]
