"""The read-only PostgreSQL role for BI tools, ``bi_reader``: idempotent set-up command.

    .venv/bin/python -m umkm.cli.roles --url postgresql+psycopg://postgres@127.0.0.1:5432/umkm

creates (or brings back to) the role ``bi_reader``: it may read every table and view of the
``curated`` and ``quality`` schemas and nothing else; it cannot write, create or read
``restricted`` (personal data) or ``staging``. The role is NOLOGIN unless
``UMKM_BI_READER_PASSWORD`` is set, then it can log in with that password (give BI tools
their own login roles that are ``GRANT bi_reader TO ...`` members, or use this one). Run it
as the role that publishes, so that the default privileges cover the tables it creates; the
publish transaction re-grants SELECT on every swapped-in table as well. Running it again
changes nothing. The password is never printed or logged.
"""

from __future__ import annotations

import argparse
import os

from sqlalchemy.engine import make_url

from umkm.publish.warehouse import SCHEMAS, STAGING, display_url
from umkm.publish.warehouse_catalog import BI_READER_ROLE, BI_SCHEMAS
from umkm.settings import warehouse_url_from_env

BI_READER_PASSWORD_ENV = "UMKM_BI_READER_PASSWORD"


def setup_bi_reader(url: str, password: str | None = None, role: str = BI_READER_ROLE) -> None:
    """Create or repair the read-only role on the PostgreSQL warehouse at ``url``, in one
    transaction."""
    import psycopg
    from psycopg import sql

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(
            "bi_reader is a PostgreSQL role; DuckDB readers open the file "
            "read-only instead (see README)"
        )
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    name = sql.Identifier(role)
    bi_schemas = sql.SQL(", ").join(sql.Identifier(s) for s in BI_SCHEMAS)
    closed = [s for s in (*SCHEMAS, STAGING) if s not in BI_SCHEMAS]
    with psycopg.connect(dsn) as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "DO $$ BEGIN CREATE ROLE {} NOLOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            ).format(name)
        )
        cursor.execute(
            sql.SQL(
                "ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            ).format(name)
        )
        if password:
            cursor.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(password))
            )
        for schema in (*SCHEMAS, STAGING):
            cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        database = sql.Identifier(conn.info.dbname)
        cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, name))
        # BI logins get no temporary tables: TEMP is granted to PUBLIC by default, so it is
        # taken from PUBLIC and given back to the role running this (the pipeline's)
        cursor.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
        cursor.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO CURRENT_USER").format(database))
        cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(name))
        for schema in closed:
            cursor.execute(
                sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(sql.Identifier(schema), name)
            )
            cursor.execute(
                sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(
                    sql.Identifier(schema), name
                )
            )
        cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(bi_schemas, name))
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(bi_schemas, name))
        cursor.execute(
            sql.SQL(
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER "
                "ON ALL TABLES IN SCHEMA {} FROM {}"
            ).format(bi_schemas, name)
        )
        cursor.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(bi_schemas, name)
        )
        cursor.execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(
                bi_schemas, name
            )
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=warehouse_url_from_env(),
        help="SQLAlchemy URL of the PostgreSQL warehouse (default: UMKM_WAREHOUSE_URL)",
    )
    args = parser.parse_args(argv)
    password = os.environ.get(BI_READER_PASSWORD_ENV) or None
    setup_bi_reader(args.url, password)
    login = "can log in (password from the environment)" if password else "NOLOGIN"
    print(
        f"role {BI_READER_ROLE} ready on {display_url(args.url)}: SELECT on "
        f"{', '.join(BI_SCHEMAS)}; no access to restricted or staging; {login}"
    )


if __name__ == "__main__":
    main()
