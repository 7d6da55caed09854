"""Protection groups over HTTP against the emulator's demo estate."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

pytestmark = pytest.mark.integration

IdsOf = Callable[[str, str], list[str]]


def make_group(admin: httpx.Client, name: str, **body: object) -> dict[str, object]:
    answer = admin.post("/protection-groups", json={"name": name, "region": "us-east-1", **body})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_explicit_group_round_trip(admin: httpx.Client, server_ids: IdsOf) -> None:
    db = server_ids("us-east-1", "db")
    created = admin.post(
        "/protection-groups",
        json={
            "name": "Shop DB",
            "description": "primary",
            "region": "us-east-1",
            "sourceServerIds": db,
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["accountId"] == "111111111111"  # the deployment's own account
    assert group["serverIds"] == db
    assert group["version"] == 1
    assert created.headers["etag"] == '"1"'
    assert group["createdAt"].endswith("Z")
    fetched = admin.get(f"/protection-groups/{group['id']}")
    assert fetched.json() == group
    listed = admin.get("/protection-groups").json()
    assert [g["name"] for g in listed["items"]] == ["Shop DB"]


def test_selector_group_holds_the_servers_it_resolves_to(
    admin: httpx.Client, server_ids: IdsOf
) -> None:
    preview = admin.post(
        "/protection-groups/resolve",
        json={"region": "us-east-1", "serverSelector": {"tags": {"Tier": "app", "App": "shop"}}},
    )
    assert preview.status_code == 200, preview.text
    assert sorted(s["sourceServerId"] for s in preview.json()["servers"]) == server_ids(
        "us-east-1", "app"
    )
    group = make_group(admin, "Shop App", serverSelector={"tags": {"Tier": "app"}})
    assert group["serverIds"] == server_ids("us-east-1", "app")
    assert group["sourceServerIds"] is None


def test_names_are_unique_without_regard_to_case(admin: httpx.Client, server_ids: IdsOf) -> None:
    make_group(admin, "Shop DB", sourceServerIds=server_ids("us-east-1", "db")[:1])
    clash = admin.post(
        "/protection-groups",
        json={
            "name": "shop db",
            "region": "us-east-1",
            "sourceServerIds": server_ids("us-east-1", "db")[1:],
        },
    )
    assert clash.status_code == 409
    assert clash.headers["content-type"] == "application/problem+json"
    body = clash.json()
    assert body["code"] == "PG_NAME_EXISTS"
    assert body["existingName"] == "Shop DB"
    assert body["detail"] == 'A Protection Group named "Shop DB" already exists'


def test_a_server_belongs_to_one_group(admin: httpx.Client, server_ids: IdsOf) -> None:
    db = server_ids("us-east-1", "db")
    first = make_group(admin, "Shop DB", sourceServerIds=db)
    clash = admin.post(
        "/protection-groups",
        json={"name": "DB again", "region": "us-east-1", "sourceServerIds": db[:1]},
    )
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "SERVER_ASSIGNMENT_CONFLICT"
    assert body["conflicts"] == [
        {"serverId": db[0], "protectionGroupId": first["id"], "protectionGroupName": "Shop DB"}
    ]
    # a selector that resolves onto a taken server is refused the same way
    by_tag = admin.post(
        "/protection-groups",
        json={
            "name": "All shop",
            "region": "us-east-1",
            "serverSelector": {"tags": {"App": "shop"}},
        },
    )
    assert by_tag.json()["code"] == "SERVER_ASSIGNMENT_CONFLICT"
    assert {c["serverId"] for c in by_tag.json()["conflicts"]} == set(db)
    assert [g["name"] for g in admin.get("/protection-groups").json()["items"]] == ["Shop DB"]


def test_unknown_servers_are_refused_by_asking_drs(admin: httpx.Client, server_ids: IdsOf) -> None:
    ghost = "s-00000000000000000"
    answer = admin.post(
        "/protection-groups",
        json={
            "name": "G",
            "region": "us-east-1",
            "sourceServerIds": [server_ids("us-east-1", "db")[0], ghost],
        },
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "INVALID_SERVER_IDS"
    assert body["invalidServers"] == [ghost]
    assert body["errors"][0]["field"] == "sourceServerIds[1]"
    # a server of another region does not exist in this one
    west = server_ids("us-west-2", "db")
    assert (
        admin.post(
            "/protection-groups", json={"name": "G", "region": "us-east-1", "sourceServerIds": west}
        ).json()["code"]
        == "INVALID_SERVER_IDS"
    )


def test_uninitialised_region(admin: httpx.Client) -> None:
    answer = admin.post(
        "/protection-groups",
        json={"name": "EU", "region": "eu-west-1", "serverSelector": {"tags": {"App": "shop"}}},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "DRS_NOT_INITIALIZED"
    assert answer.json()["initialized"] is False


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"region": "us-east-1", "sourceServerIds": []}, "name", "FIELD_REQUIRED"),
        ({"name": "x", "sourceServerIds": ["s-12345678901234567"]}, "region", "FIELD_REQUIRED"),
        ({"name": "x", "region": "us-east-1"}, "body", "SERVERS_REQUIRED"),
        ({"name": "x", "region": "us-east-1", "sourceServerIds": []}, "body", "SERVERS_REQUIRED"),
        (
            {"name": "x", "region": "mars-1", "sourceServerIds": ["s-12345678901234567"]},
            "region",
            "INVALID_FORMAT",
        ),
        (
            {"name": "x", "region": "us-east-1", "sourceServerIds": ["i-1"]},
            "sourceServerIds[0]",
            "INVALID_FORMAT",
        ),
        (
            {"name": "x", "region": "us-east-1", "serverSelector": {"tags": {}}},
            "serverSelector.tags",
            "TOO_SHORT",
        ),
        (
            {
                "name": "x",
                "region": "us-east-1",
                "sourceServerIds": ["s-12345678901234567"],
                "Region": "x",
            },
            "Region",
            "UNKNOWN_FIELD",
        ),
        (
            {"name": "   ", "region": "us-east-1", "sourceServerIds": ["s-12345678901234567"]},
            "name",
            "NAME_NOT_TRIMMED",
        ),
    ],
)
def test_bad_input_names_the_field(
    admin: httpx.Client, body: dict[str, object], field: str, code: str
) -> None:
    answer = admin.post("/protection-groups", json=body)
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]


def test_update_keeps_region_and_checks_the_version(admin: httpx.Client, server_ids: IdsOf) -> None:
    db = server_ids("us-east-1", "db")
    group = make_group(admin, "Shop DB", sourceServerIds=db[:1])
    url = f"/protection-groups/{group['id']}"
    moved = admin.put(
        url, json={"name": "Shop DB", "region": "us-west-2", "sourceServerIds": db[:1]}
    )
    assert moved.status_code == 400
    assert moved.json()["errors"][0] == {
        "field": "region",
        "code": "REGION_IMMUTABLE",
        "message": "Cannot change region after creation",
    }
    body = {"name": "Shop databases", "region": "us-east-1", "sourceServerIds": db}
    updated = admin.put(url, json=body, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    assert updated.json()["serverIds"] == db
    stale = admin.put(url, json={**body, "description": "late"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "VERSION_MISMATCH"
    assert admin.get(url).json()["description"] == ""
    # the servers it gave up are free again; the ones it holds are not
    assert admin.put(url, json={**body, "sourceServerIds": db[1:]}).status_code == 200
    make_group(admin, "Other", sourceServerIds=db[:1])


def test_delete(admin: httpx.Client, server_ids: IdsOf) -> None:
    group = make_group(admin, "Shop DB", sourceServerIds=server_ids("us-east-1", "db"))
    url = f"/protection-groups/{group['id']}"
    assert admin.delete(url, headers={"If-Match": '"7"'}).status_code == 412
    assert admin.delete(url).status_code == 204
    assert admin.get(url).json()["code"] == "PG_NOT_FOUND"
    assert admin.delete(url).status_code == 404
    make_group(admin, "Shop DB", sourceServerIds=server_ids("us-east-1", "db"))


def test_pages_follow_the_cursor(admin: httpx.Client, server_ids: IdsOf) -> None:
    ids = server_ids("us-east-1", "app") + server_ids("us-east-1", "web")
    for i, server in enumerate(ids):
        make_group(admin, f"g{i:02d}", sourceServerIds=[server])
    names, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = admin.get("/protection-groups", params=params).json()
        names += [g["name"] for g in page["items"]]
        if not (cursor := page["nextCursor"]):
            break
    assert names == [f"g{i:02d}" for i in range(len(ids))]
    bad = admin.get("/protection-groups", params={"cursor": "garbage!"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "INVALID_CURSOR"
