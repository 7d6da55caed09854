"""Optimistic concurrency is the client's choice: with If-Match a change is made only on the
version read (412 otherwise, for any entity-tag that is not the current one); without it the
server resolves its own races and every change lands."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.integration.conftest import ADMIN_PASSWORD, sign_in

pytestmark = pytest.mark.integration
WRITERS, EACH = 8, 5


def a_group(admin: httpx.Client) -> tuple[str, dict[str, object]]:
    body = {"name": "Race", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}}
    made = admin.post("/protection-groups", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"]), body


def test_without_if_match_concurrent_updates_all_land(admin: httpx.Client, api_url: str) -> None:
    group_id, body = a_group(admin)

    def writer(n: int) -> list[int]:
        with sign_in(api_url, "admin", ADMIN_PASSWORD) as client:
            return [
                client.put(
                    f"/protection-groups/{group_id}", json={**body, "description": f"{n}/{i}"}
                ).status_code
                for i in range(EACH)
            ]

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = [s for batch in pool.map(writer, range(WRITERS)) for s in batch]

    assert statuses == [200] * (WRITERS * EACH)
    assert admin.get(f"/protection-groups/{group_id}").json()["version"] == 1 + WRITERS * EACH


def test_with_if_match_only_one_of_the_racing_updates_lands(
    admin: httpx.Client, api_url: str
) -> None:
    group_id, body = a_group(admin)

    def writer(n: int) -> int:
        with sign_in(api_url, "admin", ADMIN_PASSWORD) as client:
            return client.put(
                f"/protection-groups/{group_id}",
                json={**body, "description": str(n)},
                headers={"If-Match": '"1"'},
            ).status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = sorted(pool.map(writer, range(WRITERS)))

    assert statuses == [200] + [412] * (WRITERS - 1)


@pytest.mark.parametrize(
    ("if_match", "status"),
    [('"1"', 200), ('"stale-etag"', 412), ('W/"1"', 412), ('"7", "1"', 200), ("*", 200),
     ('"2"', 412), ("1", 400), ("null", 400)],
)  # fmt: skip
def test_any_entity_tag_but_the_current_one_is_a_412(
    admin: httpx.Client, if_match: str, status: int
) -> None:
    group_id, body = a_group(admin)

    answer = admin.put(f"/protection-groups/{group_id}", json=body, headers={"If-Match": if_match})

    assert answer.status_code == status, answer.text
    if status == 412:
        assert answer.json()["code"] == "VERSION_MISMATCH"
        assert answer.json()["currentVersion"] == 1
