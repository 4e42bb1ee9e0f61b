"""What a BI tool discovers in the published warehouse, as BI tools discover it: SQLAlchemy's
``inspect()`` connected as a ``bi_reader`` member on PostgreSQL, and to the DuckDB BI file
opened read-only. Every table and view column is commented; no schema but ``curated`` and
``quality`` is readable; no column of any readable table holds personal data or pseudonyms
of it (values scanned, as ``test_personal_data`` does); keys join."""

from __future__ import annotations

import os
import stat

import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import query
from tests.test_personal_data import LOOKS_PERSONAL, clear_personal_values
from tests.wap_helpers import postgres_database, server_roles_for_the_module  # noqa: F401
from umkm.cli.roles import main as roles_main

#: a nightly run on the small landing zone, published to DuckDB and PostgreSQL
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("server_roles_for_the_module")]

BI_SCHEMAS = {"curated", "quality"}


@pytest.fixture(scope="module")
def bi_engines(published, small_landing, tmp_path_factory):
    """A SQLAlchemy engine of each warehouse as a BI tool would open it, and the warehouse
    to compare with: the DuckDB file read-only, PostgreSQL as a login in bi_reader."""
    from tests.conftest import run_nightly

    # no pool: a BI tool's DuckDB connection is closed when its query is done
    engines = {
        "duckdb": (
            sa.create_engine(
                f"duckdb:///{published}", poolclass=sa.NullPool, connect_args={"read_only": True}
            ),
            published,
        )
    }
    with postgres_database() as url:
        run_nightly(small_landing, None, url=url)
        roles_main(["--url", url])
        dsn = url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DROP ROLE IF EXISTS analyst_test")
            conn.execute("CREATE ROLE analyst_test LOGIN IN ROLE bi_reader")
        bi_url = url.replace("postgres@", "analyst_test@")
        engines["postgres"] = (sa.create_engine(bi_url), url)
        yield engines
        engines["postgres"][0].dispose()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("REASSIGN OWNED BY analyst_test TO postgres")
            conn.execute("DROP OWNED BY analyst_test")
        with psycopg.connect(dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            pass
    engines["duckdb"][0].dispose()


def _readable_relations(engine) -> dict[str, list[str]]:
    """schema.relation -> its columns, for every schema the login can read from."""
    inspector = sa.inspect(engine)
    found = {}
    for listed in inspector.get_schema_names():
        catalog, _, schema = listed.rpartition(".")  # DuckDB lists database.schema
        if catalog in ("system", "temp") or schema in (
            "information_schema",
            "pg_catalog",
            "pg_toast",
            "main",
            "public",
        ):
            continue
        names = inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
        for name in names:
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text(f'SELECT 1 FROM "{schema}"."{name}" LIMIT 0'))
            except sa.exc.DBAPIError:
                continue  # listed but not readable (PostgreSQL shows other schemas' names)
            found[f"{schema}.{name}"] = [c["name"] for c in inspector.get_columns(name, schema)]
    return found


@pytest.mark.postgres  # bi_engines publishes to a fresh PostgreSQL database too
@pytest.mark.parametrize("engine_name", ["duckdb", "postgres"])
def test_bi_tools_can_read_curated_and_quality_only(bi_engines, engine_name):
    engine, _ = bi_engines[engine_name]
    readable = _readable_relations(engine)
    assert {name.split(".")[0] for name in readable} == BI_SCHEMAS
    assert "curated.umkm" in readable and "curated.v_umkm_sources" in readable


@pytest.mark.postgres  # bi_engines publishes to a fresh PostgreSQL database too
@pytest.mark.parametrize("engine_name", ["duckdb", "postgres"])
def test_every_table_and_view_column_is_commented(bi_engines, engine_name):
    engine, _ = bi_engines[engine_name]
    inspector = sa.inspect(engine)
    uncommented = []
    for relation in _readable_relations(engine):
        schema, name = relation.split(".")
        for column in inspector.get_columns(name, schema):
            if not (column.get("comment") or "").strip():
                uncommented.append(f"{relation}.{column['name']}")
    assert not uncommented, uncommented


@pytest.mark.postgres  # bi_engines publishes to a fresh PostgreSQL database too
@pytest.mark.parametrize("engine_name", ["duckdb", "postgres"])
def test_no_readable_column_holds_personal_data(bi_engines, engine_name, published):
    engine, _ = bi_engines[engine_name]
    clear = clear_personal_values(published)
    with engine.connect() as conn:
        for relation, columns in _readable_relations(engine).items():
            assert not {
                "owner_nik_hash",
                "owner_phone_hash",
                "nik",
                "owner_name",
                "phone_e164",
                "email",
                "address",
            } & set(columns), relation
            for column in columns:
                values = (
                    conn.execute(
                        sa.text(
                            f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM {relation} '
                            f'WHERE "{column}" IS NOT NULL LIMIT 20000'
                        )
                    )
                    .scalars()
                    .all()
                )
                texts = {str(v) for v in values}
                assert not texts & clear, (relation, column, list(texts & clear)[:3])
                assert not any(LOOKS_PERSONAL.fullmatch(t) for t in texts), (relation, column)


def test_the_duckdb_bi_file_holds_no_restricted_data_and_the_restricted_file_is_private(published):
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        schemas = {
            s for (s,) in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()
        }
        restricted_name = con.execute(
            "SELECT restricted_file FROM quality.publication ORDER BY published_at DESC LIMIT 1"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert schemas == BI_SCHEMAS
    restricted = published.with_name(restricted_name)
    assert stat.S_IMODE(os.stat(restricted).st_mode) == 0o600
    # the pipeline reaches the personal data through the restricted file
    assert len(query(published, "SELECT * FROM restricted.source_record_personal_data")) > 0


@pytest.mark.postgres  # bi_engines publishes to a fresh PostgreSQL database too
@pytest.mark.parametrize("engine_name", ["duckdb", "postgres"])
def test_record_keys_join_the_source_record_table(bi_engines, engine_name):
    engine, _ = bi_engines[engine_name]
    with engine.connect() as conn:
        for sql in (
            "SELECT count(*) FROM curated.umkm_attribute_provenance p LEFT JOIN "
            "curated.umkm_source_record r USING (source, source_record_id) "
            "WHERE r.umkm_id IS NULL OR r.umkm_id <> p.umkm_id",
            "SELECT count(*) FROM quality.match_link l LEFT JOIN curated.umkm_source_record r "
            "ON r.source = l.left_source AND r.source_record_id = l.left_source_record_id "
            "WHERE r.umkm_id IS NULL",
        ):
            assert conn.execute(sa.text(sql)).scalar() == 0, sql


def test_sector_and_kbli_section_are_honest(published):
    umkm = query(published, "SELECT kbli, kbli_section, sector, category FROM curated.umkm")
    with_kbli = umkm.dropna(subset=["kbli"])
    assert len(with_kbli) and with_kbli["kbli_section"].notna().all()
    assert umkm.loc[umkm["kbli"].isna(), "kbli_section"].isna().all()
    from umkm.standardise.sectors import OTHER_SECTOR, SECTORS

    assert set(umkm["sector"].dropna()) <= set(SECTORS) | {OTHER_SECTOR}
    food = umkm[umkm["category"].isin(["Makanan", "Kuliner", "Minuman"])]
    assert len(food) and (food["sector"] == "Makanan & Minuman").all()
    labels = query(published, "SELECT kab_name, sector FROM curated.v_umkm_per_kabupaten_sector")
    assert labels.notna().all().all()  # unknowns are labelled, not NULL
