"""One writer per warehouse: the lock a nightly run holds from its first read of the warehouse
to the end of its publish, whatever started it (the UI, the sensor, ``dagster job execute``,
a second Dagster instance).

- **DuckDB**: an exclusive ``flock`` on ``<warehouse>.lock`` next to the database file;
- **PostgreSQL**: a session advisory lock on a connection of its own.

Both belong to the process that took them, so a run that is killed cannot leave the lock
behind: the kernel (DuckDB) or the server (PostgreSQL) releases it with the process. A run
that finds the lock taken waits up to ``wait_seconds``, then fails with a message that names
the holder (its run id, process id and host, written into the lock file or the holder's
``application_name``).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from umkm.settings import DEFAULT_WAIT_SECONDS

log = logging.getLogger(__name__)

_POLL_SECONDS = 1.0
#: the PostgreSQL advisory lock: 'UMKM' and the warehouse lock's number
_ADVISORY_KEYS = (0x554D4B4D, 1)


class WarehouseLocked(RuntimeError):
    """Another run holds the warehouse's writer lock."""


def holder_text(run_id: str) -> str:
    """Who holds the lock: the run, the process and the host."""
    return f"run {run_id} (pid {os.getpid()} on {socket.gethostname()})"


class WarehouseLock:
    """The writer lock of the warehouse at ``url``."""

    def __init__(
        self,
        url: str,
        run_id: str,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        logger: logging.Logger | None = None,
    ) -> None:
        self.url, self.run_id, self.wait_seconds = url, run_id, wait_seconds
        self.log = logger or log
        self._fd: int | None = None
        self._connection: Any = None  # a psycopg connection holding the advisory lock

    @property
    def held(self) -> bool:
        return self._fd is not None or self._connection is not None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``wait_seconds`` for another run to finish."""
        if self.held:
            return
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "duckdb":
            self._acquire_file(Path(f"{parsed.database}.lock"))
        elif parsed.get_backend_name() == "postgresql":
            self._acquire_advisory(parsed)
        else:
            raise ValueError(f"no writer lock for warehouse {parsed.get_backend_name()!r}")

    def release(self) -> None:
        """Give the lock back (also done by the system when the process ends)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def _wait(self, try_once: Callable[[], bool], current_holder: Callable[[], str | None]) -> None:
        deadline = time.monotonic() + self.wait_seconds
        announced = False
        while not try_once():
            holder = current_holder() or "another process"
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"the warehouse {self._where()} is locked by {holder}, another nightly run "
                    f"that publishes to it; waited {self.wait_seconds:.0f}s. Let that run "
                    "finish (or stop it), then run again."
                )
            if not announced:
                self.log.warning(
                    f"the warehouse {self._where()} is locked by {holder}: "
                    f"waiting up to {self.wait_seconds:.0f}s for it to finish"
                )
                announced = True
            time.sleep(_POLL_SECONDS)

    def _where(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def _acquire_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        def current_holder() -> str | None:
            try:
                return json.loads(path.read_text() or "{}").get("holder")
            except (OSError, ValueError):
                return None

        try:
            self._wait(try_once, current_holder)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps(
                {
                    "holder": holder_text(self.run_id),
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            ).encode(),
            0,
        )
        self._fd = fd

    def _acquire_advisory(self, parsed: URL) -> None:
        import psycopg

        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        name = holder_text(self.run_id)[:63]  # PostgreSQL keeps 63 characters
        connection = psycopg.connect(dsn, autocommit=True, application_name=name)

        def try_once() -> bool:
            row = connection.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", _ADVISORY_KEYS
            ).fetchone()
            return bool(row and row[0])

        def current_holder() -> str | None:
            row = connection.execute(
                "SELECT a.application_name, a.pid FROM pg_locks l "
                "JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' "
                "AND l.classid = %s AND l.objid = %s AND l.granted",
                _ADVISORY_KEYS,
            ).fetchone()
            return f"{row[0] or 'a session'} (PostgreSQL backend pid {row[1]})" if row else None

        try:
            self._wait(try_once, current_holder)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
