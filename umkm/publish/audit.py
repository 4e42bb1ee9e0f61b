"""The blocking audit of write-audit-publish: checks on the run's tables after they are written
and before they are published. Nothing is published unless every check passes.

Two kinds of checks run on the DataFrames of the publication (Great Expectations 1.x cannot
validate DuckDB tables through duckdb-engine, so the frames are validated, not the tables):

- pandera: the models of ``schemas.curated`` (keys, region codes, identifier shapes, keyed
  hashes, flags that agree with their columns, no personal-data columns);
- a Great Expectations suite: unique non-null ``umkm_id``, kabupaten/kota codes in Banten's
  set, NIB shape, every accepted record linked once to an existing business, every business
  with a record, and the number of businesses within bounds of the previously published count
  so that a collapse (a lost source, a broken match) blocks publishing.

Great Expectations' Data Docs are built to a folder on every run, pass or fail.
``PublicationAudit`` is the callable ``umkm.publish.warehouse.publish`` runs between writing and
publishing; it keeps the ``AuditResult`` for the caller's metadata.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors

from schemas.canonical import KAB_CODES
from schemas.curated import CURATED_MODELS
from umkm.frames import isin
from umkm.publish.warehouse import Publication

log = logging.getLogger(__name__)

DOCS_SITE = "umkm_audit"
SAMPLE_SIZE = 10
ACCEPTED_TOTAL_SOURCE = "(all)"


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, whether it passed, and what it saw (counts, failing samples)."""

    name: str
    success: bool
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class AuditResult:
    """Every check of one audit and where its Data Docs are."""

    checks: list[CheckResult]
    data_docs_path: Path | None = None

    @property
    def success(self) -> bool:
        return all(check.success for check in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.success]

    def summary(self) -> str:
        """One line per failed check (or that all passed), for logs and errors."""
        if self.success:
            return f"all {len(self.checks)} checks passed"
        return "; ".join(f"{c.name}: {_short(c.details)}" for c in self.failures)

    def raise_for_failure(self) -> None:
        if not self.success:
            raise AuditFailed(self)


class AuditFailed(RuntimeError):
    """A blocking check failed: the run's tables were not published."""

    def __init__(self, result: AuditResult):
        self.result = result
        docs = f" (Data Docs: {result.data_docs_path})" if result.data_docs_path else ""
        super().__init__(
            f"audit failed, nothing published: {len(result.failures)} of "
            f"{len(result.checks)} checks failed: {result.summary()}{docs}"
        )


@dataclass(frozen=True)
class RowCountBounds:
    """How far the number of businesses may move from the previously published count:
    at least ``min_ratio`` and at most ``max_ratio`` times it. The first run has no bounds."""

    min_ratio: float = 0.5
    max_ratio: float = 2.0

    def limits(self, previous: int | None) -> tuple[int, int | None]:
        """(minimum, maximum) businesses; (1, None) without a previous count."""
        if not previous:
            return 1, None
        return max(1, math.ceil(previous * self.min_ratio)), math.floor(previous * self.max_ratio)


@dataclass
class PublicationAudit:
    """The audit ``umkm.publish.warehouse.publish`` runs on the written tables; raises ``AuditFailed``
    to stop publishing and keeps the last ``result``."""

    previous_umkm_count: int | None
    docs_dir: Path | None = None
    bounds: RowCountBounds = field(default_factory=RowCountBounds)
    result: AuditResult | None = None

    def __call__(self, publication: Publication) -> None:
        self.result = audit_publication(
            publication, self.previous_umkm_count, docs_dir=self.docs_dir, bounds=self.bounds
        )
        log.info(f"audit: {self.result.summary()}")
        self.result.raise_for_failure()


def audit_publication(
    publication: Publication,
    previous_umkm_count: int | None,
    docs_dir: Path | None = None,
    bounds: RowCountBounds = RowCountBounds(),
) -> AuditResult:
    """Run every blocking check on the publication's tables; build Data Docs to ``docs_dir``."""
    missing = [name for name in CURATED_MODELS if name not in publication.replace]
    if missing:
        return AuditResult(
            [CheckResult(f"table {name} present", False, {"missing": name}) for name in missing]
        )
    checks = pandera_checks(publication)
    gx_checks, docs = expectation_checks(publication, previous_umkm_count, docs_dir, bounds)
    return AuditResult(checks + gx_checks, docs)


def pandera_checks(publication: Publication) -> list[CheckResult]:
    """One check per curated model, with the failing pandera checks and samples."""
    results = []
    for name, model in CURATED_MODELS.items():
        try:
            model.validate(publication.replace[name], lazy=True)
            results.append(
                CheckResult(f"pandera {name}", True, {"rows": len(publication.replace[name])})
            )
        except pandera.errors.SchemaErrors as errors:
            results.append(
                CheckResult(
                    f"pandera {name}", False, {"failures": _pandera_failures(errors.failure_cases)}
                )
            )
    return results


def _pandera_failures(cases: pd.DataFrame) -> list[dict[str, Any]]:
    """Failing pandera checks with counts and samples. A row-level check reports every column
    of a failing row: those are folded into one entry per check, sampled by ``umkm_id`` (or
    the row index)."""
    cases = cases.astype({"column": "object", "check": "str"}).fillna({"column": "(table)"})
    failures = []
    for check, group in cases.groupby("check", sort=True):
        columns = group["column"].unique()
        if len(columns) == 1:
            failures.append(
                {
                    "column": str(columns[0]),
                    "check": check,
                    "count": len(group),
                    "samples": [str(v) for v in group["failure_case"].head(SAMPLE_SIZE)],
                }
            )
            continue
        keyed = group[group["column"] == "umkm_id"]
        samples = keyed["failure_case"] if len(keyed) else group["index"].drop_duplicates()
        failures.append(
            {
                "column": "(row)",
                "check": check,
                "count": int(group["index"].nunique()),
                "samples": [str(v) for v in samples.head(SAMPLE_SIZE)],
            }
        )
    return failures


def expectation_checks(
    publication: Publication,
    previous_umkm_count: int | None,
    docs_dir: Path | None,
    bounds: RowCountBounds,
) -> tuple[list[CheckResult], Path | None]:
    """Run the Great Expectations suites on the curated frames; one check per expectation."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    context = _ephemeral_context(docs_dir)
    source = context.data_sources.add_pandas("publication")
    checks = []
    for suite_name, frame, expectations in _suites(publication, previous_umkm_count, bounds):
        batch = source.add_dataframe_asset(suite_name).add_batch_definition_whole_dataframe(
            "this_run"
        )
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
        for expectation in expectations:
            suite.add_expectation(expectation)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=suite)
        )
        outcome = validation.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
        checks += [_expectation_check(suite_name, r) for r in outcome.results]
    docs = None
    if docs_dir is not None:
        context.build_data_docs(site_names=[DOCS_SITE])
        docs = Path(docs_dir) / "index.html"
    return checks, docs


def _suites(
    publication: Publication, previous_umkm_count: int | None, bounds: RowCountBounds
) -> list[tuple[str, pd.DataFrame, list[Any]]]:
    """(suite name, frame, expectations) of each suite."""
    import great_expectations.expectations as gxe

    umkm = publication.replace["curated.umkm"]
    records = publication.replace["curated.umkm_source_record"]
    low, high = bounds.limits(previous_umkm_count)
    businesses = umkm.assign(has_source_record=isin(umkm["umkm_id"], records["umkm_id"]))
    umkm_expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="umkm_id"),
        gxe.ExpectColumnValuesToBeUnique(column="umkm_id"),
        gxe.ExpectColumnValuesToBeInSet(column="kab_code", value_set=list(KAB_CODES)),
        gxe.ExpectColumnValuesToMatchRegex(column="nib", regex=r"^\d{13}$"),
        gxe.ExpectColumnValuesToBeInSet(column="has_source_record", value_set=[True]),
        gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high),
    ]
    links = records[["source", "source_record_id", "umkm_id"]].assign(
        business_exists=isin(records["umkm_id"], umkm["umkm_id"])
    )
    link_expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="umkm_id"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["source", "source_record_id"]),
        gxe.ExpectColumnValuesToBeInSet(column="business_exists", value_set=[True]),
    ]
    accepted = _accepted_total(publication)
    if accepted is not None:
        link_expectations.append(gxe.ExpectTableRowCountToEqual(value=accepted))
    return [
        ("curated_umkm", _columns_checked(businesses, umkm_expectations), umkm_expectations),
        (
            "curated_umkm_source_record",
            _columns_checked(links, link_expectations),
            link_expectations,
        ),
    ]


def _columns_checked(frame: pd.DataFrame, expectations: list[Any]) -> pd.DataFrame:
    """Only the columns the expectations look at: Great Expectations hashes the whole frame it
    is given (about 9 s for the curated tables at 800,000 businesses)."""
    named: list[str] = []
    for expectation in expectations:
        for column in [
            getattr(expectation, "column", None),
            *(getattr(expectation, "column_list", None) or []),
        ]:
            if column is not None and column not in named:
                named.append(column)
    return frame[named]


def _accepted_total(publication: Publication) -> int | None:
    """The run's accepted records according to its run metrics, when they are published."""
    metrics = publication.append.get("quality.run_metrics")
    if metrics is None:
        return None
    total = metrics.loc[metrics["source"] == ACCEPTED_TOTAL_SOURCE, "records_accepted"]
    return int(total.iloc[0]) if len(total) else None


def _expectation_check(suite: str, outcome: Any) -> CheckResult:
    config = outcome.expectation_config
    target = config.kwargs.get("column") or ",".join(config.kwargs.get("column_list") or [])
    result = outcome.result or {}
    details = {
        key: result[key]
        for key in ("observed_value", "element_count", "unexpected_count", "unexpected_percent")
        if result.get(key) is not None
    }
    if result.get("partial_unexpected_list"):
        details["samples"] = [str(v) for v in result["partial_unexpected_list"][:SAMPLE_SIZE]]
    for bound in ("min_value", "max_value", "value"):
        if config.kwargs.get(bound) is not None:
            details[bound] = config.kwargs[bound]
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        details["exception"] = str(outcome.exception_info.get("exception_message"))[:300]
    name = f"{suite}: {config.type}" + (f" ({target})" if target else "")
    return CheckResult(name, bool(outcome.success), details)


def _ephemeral_context(docs_dir: Path | None) -> Any:
    """An in-memory Great Expectations context without analytics or progress bars, whose
    only Data Docs site is the folder ``docs_dir``."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        Path(docs_dir).mkdir(parents=True, exist_ok=True)
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(docs_dir).resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _short(details: dict[str, Any]) -> str:
    if "failures" in details:
        return ", ".join(
            f"{f['column']} {f['check']} x{f['count']} e.g. {f['samples'][:3]}"
            for f in details["failures"][:5]
        )
    keys = (
        "observed_value",
        "unexpected_count",
        "samples",
        "min_value",
        "max_value",
        "value",
        "exception",
        "missing",
    )
    return ", ".join(
        f"{k}={details[k] if k != 'samples' else details[k][:3]}" for k in keys if k in details
    )
