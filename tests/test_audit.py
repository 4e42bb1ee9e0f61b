"""The blocking audit before publishing: each check of the pandera models and of the Great
Expectations suite catches what it is for, with samples, and Data Docs are built."""

from __future__ import annotations

import pytest

from tests.wap_helpers import make_publication
from umkm.publish.audit import AuditFailed, RowCountBounds, audit_publication


def _failing(publication, previous=None, **kwargs) -> dict:
    result = audit_publication(publication, previous, **kwargs)
    return {check.name: check.details for check in result.failures}


def test_a_sound_publication_passes_and_builds_data_docs(tmp_path):
    result = audit_publication(make_publication(1, 500), 450, docs_dir=tmp_path / "docs")
    assert result.success, result.summary()
    assert len(result.checks) >= 12
    assert result.data_docs_path == tmp_path / "docs" / "index.html"
    page = result.data_docs_path.read_text()
    assert "curated_umkm" in page and "curated_umkm_source_record" in page
    result.raise_for_failure()  # does not raise


def test_duplicate_or_missing_ids_fail_with_samples():
    publication = make_publication(1, 100)
    umkm = publication.replace["curated.umkm"]
    umkm.loc[1, "umkm_id"] = umkm.loc[0, "umkm_id"]
    failing = _failing(publication)
    unique = failing["curated_umkm: expect_column_values_to_be_unique (umkm_id)"]
    assert unique["unexpected_count"] == 2 and umkm.loc[0, "umkm_id"] in unique["samples"]
    assert any(
        f["check"] == "field_uniqueness" for f in failing["pandera curated.umkm"]["failures"]
    )


def test_region_codes_outside_banten_and_malformed_nibs_fail():
    publication = make_publication(1, 100)
    umkm = publication.replace["curated.umkm"]
    umkm.loc[3, "kab_code"] = "3171"  # Jakarta
    umkm.loc[6, "nib"] = "12345"
    failing = _failing(publication)
    assert failing["curated_umkm: expect_column_values_to_be_in_set (kab_code)"]["samples"] == [
        "3171"
    ]
    assert failing["curated_umkm: expect_column_values_to_match_regex (nib)"]["samples"] == [
        "12345"
    ]


def test_every_accepted_record_must_be_linked_once_to_an_existing_business():
    publication = make_publication(1, 100)
    records = publication.replace["curated.umkm_source_record"]
    records.loc[7, "umkm_id"] = "U-NOWHERE"
    records.loc[9, "source_record_id"] = records.loc[8, "source_record_id"]
    failing = _failing(publication)
    assert (
        failing["curated_umkm_source_record: expect_column_values_to_be_in_set (business_exists)"][
            "unexpected_count"
        ]
        == 1
    )
    assert (
        failing[
            "curated_umkm_source_record: expect_compound_columns_to_be_unique "
            "(source,source_record_id)"
        ]["unexpected_count"]
        == 2
    )
    # the business that lost its record has none left
    assert "curated_umkm: expect_column_values_to_be_in_set (has_source_record)" in failing


def test_records_must_add_up_to_the_accepted_count_of_the_run():
    publication = make_publication(1, 100)
    publication.append["quality.run_metrics"].loc[0, "records_accepted"] = 101
    failing = _failing(publication)
    assert failing["curated_umkm_source_record: expect_table_row_count_to_equal"] == {
        "observed_value": 100,
        "value": 101,
    }


@pytest.mark.parametrize(
    "previous, rows, passes",
    [
        (None, 10, True),  # first run: no bounds
        (1000, 500, True),  # -50% is the limit
        (1000, 499, False),  # a collapse blocks publishing
        (1000, 2000, True),
        (1000, 2001, False),  # so does an explosion
    ],
)
def test_the_number_of_businesses_stays_within_bounds_of_the_last_run(previous, rows, passes):
    failing = _failing(make_publication(1, rows), previous)
    assert ("curated_umkm: expect_table_row_count_to_be_between" not in failing) is passes


def test_bounds_are_configurable():
    assert RowCountBounds().limits(1000) == (500, 2000)
    assert RowCountBounds(0.9, 1.1).limits(1000) == (900, 1100)
    assert RowCountBounds().limits(None) == (1, None)
    assert _failing(make_publication(1, 950), 1000, bounds=RowCountBounds(0.99, 1.5))


def test_personal_data_columns_in_curated_fail():
    publication = make_publication(1, 50)
    publication.replace["curated.umkm"]["owner_name"] = "Siti Aminah"
    failing = _failing(publication)
    assert "no personal data columns" in {
        f["check"] for f in failing["pandera curated.umkm"]["failures"]
    }


def test_inconsistent_flags_bad_codes_and_pseudonyms_fail_pandera():
    publication = make_publication(1, 50)
    umkm = publication.replace["curated.umkm"]
    umkm.loc[0, "is_registered"] = False  # but it has a NIB
    umkm.loc[1, "kbli_section"] = "Z"  # no KBLI section
    umkm["owner_nik_hash"] = "a" * 64  # a pseudonym is personal data too
    checks = {f["check"] for f in _failing(publication)["pandera curated.umkm"]["failures"]}
    assert "is_registered means a NIB" in checks
    assert any(check.startswith("str_matches") for check in checks)
    assert "no personal data columns" in checks


def test_a_missing_curated_table_fails_and_raise_reports_it():
    publication = make_publication(1, 50)
    del publication.replace["curated.umkm_source_record"]
    result = audit_publication(publication, None)
    with pytest.raises(AuditFailed, match="curated.umkm_source_record"):
        result.raise_for_failure()
