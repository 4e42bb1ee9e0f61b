"""How the job's steps hand their outputs to each other: in the run's own memory, never on disk.

Dagster's default IO manager pickles every asset's output into ``$DAGSTER_HOME/storage`` and
unpickles it for each step that reads it. For this job that is the wrong trade:

- **Personal data.** The source snapshots and the canonical records hold owner names, NIK,
  phone numbers and e-mail in the clear. Pickled, they would lie in Dagster's storage folder,
  outside the restricted schema and the owner-only file memo, until the next run overwrote
  them.
- **Time and memory.** At 800,000 businesses the records, the match links and scores, the ids
  and the golden records are gigabytes of pickles: writing and reading them took about 45 s
  a night, and every step that read them held a private copy.

So outputs stay in the process (the job runs its steps in one process,
``pipelines.jobs``) for as long as the run lasts; a source snapshot, which one step
(``standardised_records``) reads, is let go once that step has taken it. What is lost:
re-executing one step of a failed run from the UI, which would find no outputs to read.
Re-run the whole job instead; the file memo (``umkm.ingest.file_memo``) serves the source
files it has already read.
"""

from __future__ import annotations

import dagster as dg


class RunMemoryIOManager(dg.IOManager):
    """Outputs kept in memory for one run; with ``read_once`` each is let go when it is read
    (for outputs that one step reads)."""

    def __init__(self, read_once: bool = False):
        self.read_once = read_once
        self.values: dict[tuple[str, ...], object] = {}

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        self.values[tuple(context.get_identifier())] = obj

    def load_input(self, context: dg.InputContext) -> object:
        key = tuple(context.upstream_output.get_identifier())
        if key not in self.values:
            raise dg.DagsterInvariantViolationError(
                f"{context.upstream_output.step_key} left no output in this run's memory: "
                "outputs are handed over within one run, so run the whole job "
                "(a failed run cannot be re-executed step by step)"
            )
        return self.values.pop(key) if self.read_once else self.values[key]


#: the resource key of the IO manager of the source snapshots (read by one step)
READ_ONCE_IO_MANAGER = "read_once_io_manager"


@dg.io_manager(description="Step outputs kept in the run's memory, never written to disk.")
def run_memory_io_manager(_) -> RunMemoryIOManager:
    return RunMemoryIOManager()


@dg.io_manager(
    description="Step outputs kept in the run's memory until the one step that reads them has."
)
def read_once_io_manager(_) -> RunMemoryIOManager:
    return RunMemoryIOManager(read_once=True)


def io_managers() -> dict[str, dg.IOManagerDefinition]:
    """The job's IO managers by resource key."""
    return {"io_manager": run_memory_io_manager, READ_ONCE_IO_MANAGER: read_once_io_manager}
