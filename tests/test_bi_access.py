"""BI access on PostgreSQL: the ``bi_reader`` role reads ``curated`` and ``quality`` and
nothing else, cannot write, survives every publish; the nightly job publishes comments,
keys and views there and leaks neither the database password nor the hashing key."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.wap_helpers import (  # noqa: F401
    make_publication,
    postgres_url,
    server_roles_for_the_module,
    sql,
)
from umkm.cli.roles import BI_READER_PASSWORD_ENV, setup_bi_reader
from umkm.cli.roles import main as roles_main
from umkm.publish.warehouse import STAGING, publish

pytestmark = pytest.mark.usefixtures("server_roles_for_the_module")


def _as_bi_reader(url: str, statement: str):
    """Run ``statement`` as bi_reader (SET ROLE from the superuser) and return its rows."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET ROLE bi_reader")
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else None


def _publication_with_personal_data(version: int, rows: int):
    publication = make_publication(version, rows)
    publication.replace["restricted.source_record_personal_data"] = pd.DataFrame(
        {
            "source": ["oss"],
            "source_record_id": ["r0"],
            "umkm_id": ["U1"],
            "owner_name": ["Siti Aminah"],
            "nik": ["3601234567890123"],
            "phone_e164": ["+6281234567890"],
            "email": ["siti@example.id"],
            "address": ["Jl. A"],
        }
    )
    return publication


def test_bi_reader_reads_curated_and_quality_and_nothing_else(postgres_url, capsys):
    setup_bi_reader(postgres_url)
    publish(postgres_url, _publication_with_personal_data(1, 300))
    roles_main(["--url", postgres_url])  # the documented command, a second time
    publish(postgres_url, _publication_with_personal_data(2, 320))  # replaces every table
    assert "role bi_reader ready" in capsys.readouterr().out

    assert _as_bi_reader(postgres_url, "SELECT count(*) FROM curated.umkm") == [(320,)]
    assert _as_bi_reader(postgres_url, "SELECT count(*) FROM curated.umkm_source_record") == [
        (320,)
    ]
    assert _as_bi_reader(postgres_url, "SELECT count(*) FROM quality.run_metrics") == [(2,)]
    assert _as_bi_reader(
        postgres_url, "SELECT sum(businesses) FROM curated.v_umkm_registration"
    ) == [(320,)]
    # staging is dropped after every publish; a table left there by a failed run is not
    # readable either
    sql(postgres_url, f"CREATE SCHEMA IF NOT EXISTS {STAGING}")
    sql(postgres_url, f"CREATE TABLE {STAGING}.leftover AS SELECT 1 AS a")
    forbidden = [
        "SELECT * FROM restricted.source_record_personal_data",
        f"SELECT * FROM {STAGING}.leftover",
        "INSERT INTO curated.umkm (umkm_id) VALUES ('U-X')",
        "UPDATE curated.umkm SET business_name = 'x'",
        "DELETE FROM quality.run_metrics",
        "TRUNCATE curated.umkm_source_record",
        "DROP TABLE curated.umkm",
        "CREATE TABLE curated.mine (a int)",
        "CREATE TABLE quality.mine (a int)",
        "CREATE TABLE public.mine (a int)",
        "CREATE SCHEMA mine",
        "CREATE TEMPORARY TABLE mine (a int)",
    ]
    for statement in forbidden:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as_bi_reader(postgres_url, statement)
    # tables created later in curated are readable too (default privileges)
    sql(postgres_url, "CREATE TABLE curated.added_later AS SELECT 1 AS a")
    assert _as_bi_reader(postgres_url, "SELECT a FROM curated.added_later") == [(1,)]


def test_bi_reader_set_up_is_idempotent_and_takes_its_password_from_the_environment(
    postgres_url, monkeypatch, capsys
):
    monkeypatch.setenv(BI_READER_PASSWORD_ENV, "bi-Secret-77")
    roles_main(["--url", postgres_url])
    roles_main(["--url", postgres_url])
    output = capsys.readouterr().out
    assert "bi-Secret-77" not in output and "can log in" in output
    assert sql(
        postgres_url,
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, "
        "rolpassword IS NOT NULL FROM pg_authid "
        "WHERE rolname = 'bi_reader'",
    ) == [(True, False, False, False, True)]
    assert sql(postgres_url, "SELECT count(*) FROM pg_roles WHERE rolname = 'bi_reader'") == [(1,)]


@pytest.mark.slow
def test_nightly_job_on_postgres_serves_bi_and_hides_secrets(
    small_landing, postgres_url, monkeypatch, tmp_path
):
    password, key = "Db-Pa55-0rd-9931", "pii-key-Z7Q2-test"
    url = make_url(postgres_url).set(password=password).render_as_string(hide_password=False)
    setup_bi_reader(postgres_url)
    monkeypatch.setenv("UMKM_LANDING_DIR", str(small_landing))
    monkeypatch.setenv("UMKM_WAREHOUSE_URL", url)
    monkeypatch.setenv("UMKM_PII_HASH_KEY", key)
    from pipelines.definitions import build_defs

    definitions = build_defs()  # the resources as the environment configures them
    warehouse = definitions.resources["warehouse"]
    assert isinstance(warehouse.url, dg.EnvVar) and isinstance(warehouse.pii_hash_key, dg.EnvVar)
    instance = dg.DagsterInstance.ephemeral()
    result = definitions.resolve_job_def("nightly").execute_in_process(instance=instance)
    assert result.success
    logged = "\n".join(repr(entry) for entry in instance.all_logs(result.run_id))
    logged += repr(instance.get_run_by_id(result.run_id))
    assert "warehouse_tables" in logged and "audit_checks" in logged
    assert password not in logged and key not in logged
    assert "***" in logged  # the URL is shown, its password masked

    businesses = sql(postgres_url, "SELECT count(*) FROM curated.umkm")[0][0]
    assert businesses > 300
    assert (
        "One row per business"
        in sql(postgres_url, "SELECT obj_description('curated.umkm'::regclass)")[0][0]
    )
    assert _as_bi_reader(
        postgres_url, "SELECT sum(businesses) FROM curated.v_umkm_per_kabupaten_sector"
    ) == [(businesses,)]
    online_without_nib = sql(
        postgres_url, "SELECT count(*) FROM curated.umkm WHERE sells_online AND nib IS NULL"
    )[0][0]
    assert _as_bi_reader(postgres_url, "SELECT count(*) FROM curated.v_online_without_nib") == [
        (online_without_nib,)
    ]
    platforms = _as_bi_reader(
        postgres_url, "SELECT count(DISTINCT umkm_id) FROM curated.v_umkm_platforms"
    )[0][0]
    assert (
        platforms == sql(postgres_url, "SELECT count(*) FROM curated.umkm WHERE sells_online")[0][0]
    )
