"""DRS's answers turned into facts."""

from __future__ import annotations

from drs_orchestrator.drs.mapping import server_facts


def test_a_server_s_addresses_come_primary_interface_first() -> None:
    server = {
        "sourceServerID": "s-00000000000000001",
        "sourceProperties": {
            "identificationHints": {"hostname": "db-01"},
            "networkInterfaces": [
                {"ips": ["192.168.9.9"], "isPrimary": False},
                {"ips": ["10.0.4.20", "10.0.4.21"], "isPrimary": True},
            ],
        },
    }

    facts = server_facts(server)

    assert facts.ips == ("10.0.4.20", "10.0.4.21", "192.168.9.9")
    assert server_facts({"sourceServerID": "s-00000000000000002"}).ips == ()


def test_an_aws_origin_says_the_account_and_region_it_fails_back_to() -> None:
    cloud = {"originAccountID": "222233334444", "originRegion": "us-west-2"}
    aws = server_facts({"sourceServerID": "s-00000000000000001", "sourceCloudProperties": cloud})
    blank = {"originAccountID": "", "originRegion": ""}  # as DRS says an on-premises origin
    on_premises = server_facts(
        {"sourceServerID": "s-00000000000000002", "sourceCloudProperties": blank}
    )

    assert (aws.origin_account, aws.origin_region) == ("222233334444", "us-west-2")
    assert (on_premises.origin_account, on_premises.origin_region) == (None, None)
