"""DRS's quotas per account and region, and the most IDs its calls take (docs/drs-facts.md).

Defined once, here, for all of ours but the emulator: it models DRS itself, imports nothing of
ours, and keeps its own copy (emulator/scenario.py, `Quotas`)."""

# Service quotas.
SERVERS_PER_JOB = 100  # source servers in one StartRecovery job (the API model accepts 200)
CONCURRENT_JOBS = 20  # jobs not yet COMPLETED
SERVERS_IN_ACTIVE_JOBS = 500  # source servers across all of those jobs

# Request sizes, from botocore's drs model.
TERMINATE_PER_CALL = 200  # recoveryInstanceIDs in one TerminateRecoveryInstances
JOB_IDS_PER_CALL = 1000  # jobIDs in DescribeJobs' filter
# sourceServerIDs in DescribeSourceServers' filter; DescribeRecoveryInstances' has no limit in
# the model, and is asked in the same chunks.
SERVER_IDS_PER_FILTER = 200
