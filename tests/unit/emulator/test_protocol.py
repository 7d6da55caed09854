"""The wire protocol layer: routing, validation and conformance, all from botocore's model."""

from __future__ import annotations

import json

import pytest

from drs_orchestrator.emulator.errors import ThrottlingError, ValidationError
from drs_orchestrator.emulator.protocol import (
    check_output,
    conformance_errors,
    match_route,
    render_error,
    routes,
    service_model,
    validate_input,
)

pytestmark = pytest.mark.unit


def test_every_modelled_operation_has_a_route() -> None:
    assert {r.operation.name for r in routes()} == set(service_model().operation_names)


def test_tag_routes_match_an_encoded_arn_by_method() -> None:
    arn = "arn:aws:drs:us-east-1:111111111111:source-server/s-0123456789abcdef0"
    encoded = arn.replace(":", "%3A").replace("/", "%2F")
    for method, name in (
        ("GET", "ListTagsForResource"),
        ("POST", "TagResource"),
        ("DELETE", "UntagResource"),
    ):
        found = match_route(method, f"/tags/{encoded}")
        assert found is not None
        op, params = found
        assert op.name == name
        assert params == {"resourceArn": arn}


def test_unknown_path_has_no_route() -> None:
    assert match_route("POST", "/NoSuchOperation") is None
    assert match_route("GET", "/DescribeJobs") is None  # DescribeJobs is POST only


def test_validation_catches_what_botocore_leaves_to_the_server() -> None:
    op = service_model().operation_model("StartRecovery")
    # 19 characters (botocore's length check passes) but not the s-[0-9a-zA-Z]{17} pattern.
    with pytest.raises(ValidationError) as caught:
        validate_input(op, {"sourceServers": [{"sourceServerID": "s-0123456789abcdef_"}]})
    fields = caught.value.fields["fieldList"]
    assert fields[0]["name"] == "sourceServers[0].sourceServerID"
    assert "pattern" in fields[0]["message"]


def test_validation_reports_botocore_errors_with_the_field() -> None:
    op = service_model().operation_model("StartRecovery")
    with pytest.raises(ValidationError) as caught:
        validate_input(op, {"isDrill": "yes"})
    names = {f["name"] for f in caught.value.fields["fieldList"]}
    assert names == {"sourceServers", "isDrill"}
    assert "sourceServers" in caught.value.message


def test_validation_accepts_a_valid_request() -> None:
    op = service_model().operation_model("DescribeJobs")
    validate_input(op, {"filters": {"jobIDs": ["drsjob-0123456789abcdef0"]}, "maxResults": 5})


def test_conformance_names_every_kind_of_departure() -> None:
    shape = service_model().shape_for("Job")
    bad = {
        "jobID": "drsjob-short",
        "status": "FAILED",  # DRS has no failed job status
        "participatingServers": [{"launchStatus": "DONE"}],
        "invented": 1,
    }
    problems = dict(conformance_errors(shape, bad))
    assert "pattern" in problems["jobID"] or "length" in problems["jobID"]
    assert "not one of" in problems["status"]
    assert "not one of" in problems["participatingServers[0].launchStatus"]
    assert "not a member" in problems["invented"]


def test_check_output_refuses_a_response_drs_could_not_send() -> None:
    op = service_model().operation_model("DescribeJobs")
    with pytest.raises(AssertionError, match="items"):
        check_output(op, {"items": [{"jobID": 42}]})
    check_output(op, {"items": []})


def test_header_members_of_errors_travel_as_headers() -> None:
    error = ThrottlingError("Rate exceeded", retry_after_seconds=7, quota_code="Q")
    status, headers, body = render_error(error)
    assert status == 429
    assert headers["x-amzn-ErrorType"] == "ThrottlingException"
    assert headers["Retry-After"] == "7"
    assert json.loads(body) == {"message": "Rate exceeded", "quotaCode": "Q", "serviceCode": "drs"}
