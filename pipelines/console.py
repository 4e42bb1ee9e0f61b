"""Run the ``nightly`` job with a quiet console: ``python -m pipelines.console`` (what
``scripts/nightly`` runs).

By default the console shows one line per step (its name, the records in and out its
materializations report, its seconds), a "still running" line while a long step runs, and
the first error a step logs; everything Dagster and the libraries print (every event, at
DEBUG) goes to a log file whose path is printed. ``--verbose`` prints everything as
``dagster job execute`` does. Either way the run is the same run: with ``DAGSTER_HOME`` set
it is recorded in that instance (the UI shows all its events), without it in a temporary
instance that is removed afterwards, as ``dagster job execute`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository

from pipelines.jobs import NIGHTLY
from umkm.settings import DATA_DIR

LOG_DIR = DATA_DIR / "logs"
#: a step running longer than this gets a "still running" line, and again after as long
NOTICE_SECONDS = 15.0
#: the tag that finds the run this console started
CONSOLE_TAG = "umkm/console"
POLL_SECONDS = 0.5


@contextlib.contextmanager
def _instance() -> Iterator[dg.DagsterInstance]:
    """``DAGSTER_HOME``'s instance, else a temporary one in the working directory (as
    ``dagster job execute`` does; ``.tmp_dagster_home_*`` is ignored by git)."""
    if os.environ.get("DAGSTER_HOME"):
        with dg.DagsterInstance.get() as instance:
            yield instance
        return
    with tempfile.TemporaryDirectory(prefix=".tmp_dagster_home_", dir=os.getcwd()) as home:
        with dg.DagsterInstance.local_temp(tempdir=home) as instance:
            yield instance


def _count(value: Any) -> int | None:
    value = getattr(value, "value", value)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def step_figures(materializations: list[tuple[str, Mapping[str, Any]]]) -> str:
    """Records in and out of a step, from the metadata of what it materialized (asset key,
    metadata): sources and standardising read and accept, matching and ids turn records
    into businesses, the publish writes tables."""
    if not materializations:
        return ""
    tables = [(key, md) for key, md in materializations if "/" in key]
    if tables:
        rows = {key: _count(md.get("dagster/row_count")) for key, md in tables}
        umkm = rows.get("curated/umkm")
        return f"{len(tables)} tables" + (f", curated.umkm {umkm:,} rows" if umkm else "")
    metadata: dict[str, Any] = {}
    for _, md in materializations:
        metadata.update(md)
    read = _count(metadata.get("records_read"))
    records = _count(metadata.get("records"))
    accepted = _count(metadata.get("records_accepted"))
    quarantined = _count(metadata.get("records_quarantined"))
    businesses = _count(metadata.get("businesses"))
    parts = []
    if read is not None and accepted is not None:
        parts.append(
            f"{read:,} read -> {accepted:,} accepted"
            + (f", {quarantined:,} quarantined" if quarantined else "")
        )
    elif records is not None and businesses is not None:
        parts.append(f"{records:,} records -> {businesses:,} businesses")
    elif businesses is not None:
        parts.append(f"{businesses:,} businesses")
    return "; ".join(parts)


class Progress:
    """Follows the run's events and prints a line per finished step (and per long step)."""

    def __init__(self, instance: dg.DagsterInstance, out: IO[str]) -> None:
        self.instance, self.out = instance, out
        self.cursor: str | None = None
        self.started: dict[str, float] = {}
        self.noticed: dict[str, float] = {}
        self.errors_shown: set[str] = set()
        self.materialized: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
        self.failed_steps: list[str] = []

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def poll(self, run_id: str) -> None:
        while True:
            connection = self.instance.get_records_for_run(run_id, cursor=self.cursor, limit=1000)
            for record in connection.records:
                self._handle(record.event_log_entry)
            self.cursor = connection.cursor
            if not connection.has_more:
                break
        now = time.time()
        for step, since in self.started.items():
            if (
                now - since >= NOTICE_SECONDS
                and now - self.noticed.get(step, since) >= NOTICE_SECONDS
            ):
                self.noticed[step] = now
                self.say(f"  {step:<40} still running ({now - since:.0f}s)")

    def _handle(self, entry: Any) -> None:
        event = entry.dagster_event
        step = entry.step_key
        if event is None:
            if step and entry.level >= 40 and step not in self.errors_shown:  # context.log.error
                self.errors_shown.add(step)
                self.say(f"    ! {step}: {entry.user_message.splitlines()[0][:150]}")
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = entry.timestamp
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.step_materialization_data.materialization
            self.materialized.setdefault(step, []).append(
                (materialization.asset_key.to_user_string(), materialization.metadata)
            )
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = entry.timestamp - self.started.pop(step, entry.timestamp)
            self.noticed.pop(step, None)
            figures = step_figures(self.materialized.pop(step, []))
            if kind == "STEP_SUCCESS":
                self.say(f"  {step:<40} {figures:<48} {seconds:6.1f}s")
            else:
                self.failed_steps.append(step)
                error = event.event_specific_data.error
                message = error.message.strip().splitlines()[0][:150] if error else ""
                self.say(f"  {step:<40} FAILED after {seconds:.1f}s: {message}")


@contextlib.contextmanager
def _output_to(log: IO[str]) -> Iterator[IO[str]]:
    """Send everything written to stdout and stderr (Python's and the C libraries') to
    ``log``; yields the console to write to."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(saved_out), "w", buffering=1)
    try:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        yield console
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        os.close(saved_out)
        os.close(saved_err)
        console.close()


def _announce_demo_landing(say: Any) -> None:
    from pipelines.definitions import defs
    from resources.demo_landing import DEMO_BUSINESSES, DEMO_DAYS, DemoLandingZone

    landing = defs.resources["landing"]
    if isinstance(landing, DemoLandingZone) and not Path(landing.root).exists():
        say(
            f"no demo landing zone yet: the first step generates {DEMO_BUSINESSES:,} "
            f"businesses over {DEMO_DAYS} days into {landing.root}"
        )


def run(verbose: bool = False, log_path: Path | None = None) -> bool:
    """Run ``nightly`` once; True when it succeeded."""
    # the job as `dagster job execute -m pipelines.definitions -j nightly` loads it, so the
    # UI can re-execute the run from the workspace
    job = ReconstructableRepository.for_module(
        "pipelines.definitions",
        "defs",
        working_directory=os.getcwd(),
    ).get_reconstructable_job(NIGHTLY)
    token = uuid.uuid4().hex
    if verbose:
        with _instance() as instance:
            result = dg.execute_job(job, instance=instance, tags={CONSOLE_TAG: token})
        return result.success
    log_path = log_path or LOG_DIR / f"nightly-{datetime.now():%Y%m%d-%H%M%S}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(
        f"nightly: running; every event goes to {log_path} (--verbose shows them here)", flush=True
    )
    _announce_demo_landing(lambda text: print(text, flush=True))
    started = time.time()
    outcome: dict[str, Any] = {}
    with (
        open(log_path, "a", buffering=1) as log,
        _instance() as instance,
        _output_to(log) as console,
    ):
        progress = Progress(instance, console)
        done = threading.Event()

        def execute() -> None:
            try:
                outcome["result"] = dg.execute_job(
                    job, instance=instance, tags={CONSOLE_TAG: token}
                )
            except BaseException as error:  # shown on the console below, traceback in the log
                traceback.print_exc()
                outcome["error"] = error
            finally:
                done.set()

        worker = threading.Thread(target=execute, name="nightly", daemon=True)
        worker.start()
        run_id = None
        while True:
            finished = done.wait(POLL_SECONDS)
            if run_id is None:
                runs = instance.get_runs(filters=dg.RunsFilter(tags={CONSOLE_TAG: token}), limit=1)
                run_id = runs[0].run_id if runs else None
                if run_id:
                    progress.say(f"  run {run_id} of job {NIGHTLY}")
            if run_id:
                progress.poll(run_id)
            if finished:
                break
        worker.join()
        result = outcome.get("result")
        if "error" in outcome:
            progress.say(f"nightly: could not run: {outcome['error']!r}")
        success = bool(result is not None and result.success)
        progress.say(
            f"nightly: {'succeeded' if success else 'FAILED'} in "
            f"{time.time() - started:.0f}s; full log: {log_path}"
        )
    return success


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument(
        "--verbose", action="store_true", help="print every event (as dagster job execute does)"
    )
    parser.add_argument("--log", type=Path, help="the log file (default data/logs/...)")
    args = parser.parse_args(argv)
    sys.exit(0 if run(verbose=args.verbose, log_path=args.log) else 1)


if __name__ == "__main__":
    main()
