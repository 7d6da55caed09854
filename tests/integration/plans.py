"""Plans over the demo estate, made through the API as an operator would."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import httpx


def make_plan(
    admin: httpx.Client,
    app: str,
    region: str,
    tiers: list[str],
    pre_hooks: Mapping[int, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """A plan with one wave per tier of an application of the demo estate, each wave after
    the one before; `pre_hooks` by the wave's index."""
    waves: list[dict[str, Any]] = []
    for tier in tiers:
        made = admin.post(
            "/protection-groups",
            json={
                "name": f"{app} {tier}",
                "region": region,
                "serverSelector": {"tags": {"App": app, "Tier": tier}},
            },
        )
        assert made.status_code == 201, made.text
        waves.append({"name": tier.upper(), "protectionGroupIds": [made.json()["id"]]})
    for index, hooks in (pre_hooks or {}).items():
        waves[index]["preHooks"] = hooks
    for earlier, later in itertools.pairwise(waves):
        later["dependsOn"] = [earlier["name"]]
    made = admin.post("/recovery-plans", json={"name": app.title(), "waves": waves})
    assert made.status_code == 201, made.text
    return dict(made.json())
