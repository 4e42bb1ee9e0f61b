"""Superset settings of the BI client test: a throwaway home, no secrets worth keeping."""

import os

_HOME = os.environ["BI_CLIENT_HOME"]
SECRET_KEY = "bi-client-test-not-a-secret-0123456789abcdef"
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME}/superset.db"
DATA_DIR = _HOME
TALISMAN_ENABLED = False
RATELIMIT_STORAGE_URI = "memory://"
SQLLAB_ASYNC_TIME_LIMIT_SEC = 60
SQLLAB_TIMEOUT = 60
