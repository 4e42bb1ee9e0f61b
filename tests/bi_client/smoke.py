"""Drive a running Superset through its REST API as an analyst would: log in, register the
warehouse (DuckDB read-only, PostgreSQL as a bi_reader login), run one SQL Lab query per
view, print what came back as JSON lines. Runs inside Superset's own virtualenv.

    SUPERSET_URL=http://127.0.0.1:8188 python smoke.py DATABASE_NAME SQLALCHEMY_URI VIEW...
"""

import json
import os
import sys

import requests


def main() -> None:
    base = os.environ["SUPERSET_URL"]
    name, uri, views = sys.argv[1], sys.argv[2], sys.argv[3:]
    session = requests.Session()

    def ok(response, what):
        if response.status_code >= 400:
            sys.exit(f"FAIL {what}: HTTP {response.status_code} {response.text[:800]}")
        return response.json()

    token = ok(
        session.post(
            f"{base}/api/v1/security/login",
            json={"username": "admin", "password": "admin", "provider": "db", "refresh": True},
        ),
        "login",
    )["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    csrf = ok(session.get(f"{base}/api/v1/security/csrf_token/"), "csrf")["result"]
    session.headers.update({"X-CSRFToken": csrf, "Referer": base})
    extra = (
        {"engine_params": {"connect_args": {"read_only": True}}} if uri.startswith("duckdb") else {}
    )
    database = ok(
        session.post(
            f"{base}/api/v1/database/",
            json={
                "database_name": name,
                "sqlalchemy_uri": uri,
                "expose_in_sqllab": True,
                "allow_dml": False,
                "extra": json.dumps(extra),
            },
        ),
        f"register {name}",
    )["id"]
    for view in views:
        response = session.post(
            f"{base}/api/v1/sqllab/execute/",
            json={
                "database_id": database,
                "sql": f"SELECT * FROM {view} LIMIT 100",
                "runAsync": False,
                "queryLimit": 100,
                "client_id": os.urandom(5).hex(),
            },
        )
        body = response.json() if "json" in response.headers.get("content-type", "") else {}
        print(
            json.dumps(
                {
                    "database": name,
                    "view": view,
                    "http": response.status_code,
                    "status": body.get("status"),
                    "rows": len(body.get("data") or []),
                    "columns": [c.get("column_name") for c in body.get("columns", [])],
                    "error": None if body.get("status") == "success" else response.text[:500],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
