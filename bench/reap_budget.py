#!/usr/bin/env python3
"""The reaper's budgets on a table of 20,000 items (issue 15: "the budget
holds within 20% of the set rate"). Seeds 20,000 expired sessions into a
local DynamoDB (moto) with boto3 batch writes, then, through the
connectdynamo tool:

1. a dry-run reap (the scan alone) with a read budget: read units per
   second against the budget;
2. the real reap with a write budget: write units per second against it.

Units are what the server reports in ConsumedCapacity (moto: one per Scan
page and one per BatchWriteItem, so the pages are sized to make the
budget, not the machine, the limit). Wall-clock rates: this is a
measurement, kept out of `make test` (tests assert the same pacing on a
virtual clock: Tests/ConnectDynamoTests/CapacityBudgetTests.swift).
Exits 1 if a rate is off by more than 20%.

    make bench-reap        (about six minutes; or: scripts/localdynamo.py run -- python3 bench/reap_budget.py)
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "build" / "bin" / "connectdynamo"
ITEMS = int(os.environ.get("REAP_BENCH_ITEMS", "20000"))
# Budgets well under what moto on a shared two-core machine serves (moto
# scans the whole table for every page: one 2,000-item page takes it about
# three seconds; it deletes ten to fifteen 25-item batches a second), so
# that the budget and not the machine sets the pace.
READ_BUDGET = 0.2    # units/s; pages of 2,000 items: 10-11 pages, ~55 s
WRITE_BUDGET = 4.0   # units/s; 800 batches of 25: ~200 s
TABLE = "reap-bench"


def main():
    endpoint = os.environ["CDYN_TEST_ENDPOINT"]
    env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1")
    dynamo = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    dynamo.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    started = time.monotonic()
    table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(TABLE)
    with table.batch_writer() as batch:
        for i in range(ITEMS):
            batch.put_item(Item={"id": "sess:%06d" % i, "expires": 1000, "type": "connect-session",
                                 "sess": '{"cookie":{}}'})
    print("seeded %d expired sessions in %.1f s" % (ITEMS, time.monotonic() - started))

    def reap(*args):
        out = subprocess.run([str(TOOL), "--endpoint", endpoint, "--table", TABLE, "reap", "--json", *args],
                             capture_output=True, text=True, env=env)
        if out.returncode != 0:
            sys.exit("connectdynamo reap %s: exit %d\n%s%s" % (" ".join(args), out.returncode, out.stdout, out.stderr))
        return json.loads(out.stdout)

    ok = True
    dry = reap("--dry-run", "--segments", "2", "--page-size", "2000", "--read-budget", str(READ_BUDGET))
    rate = dry["read_units"] / dry["elapsed_seconds"]
    ok &= abs(rate - READ_BUDGET) <= 0.2 * READ_BUDGET and dry["matched"] == ITEMS
    print("scan:    %d items, %.0f read units in %.1f s = %.2f units/s (budget %.1f, %+.0f%%)"
          % (dry["scanned"], dry["read_units"], dry["elapsed_seconds"], rate, READ_BUDGET,
             100 * (rate / READ_BUDGET - 1)))
    # Pages of 2,500 (eight scans in all): the time goes to the deletes.
    real = reap("--segments", "4", "--page-size", "2500", "--write-budget", str(WRITE_BUDGET))
    rate = real["write_units"] / real["elapsed_seconds"]
    ok &= abs(rate - WRITE_BUDGET) <= 0.2 * WRITE_BUDGET and real["deleted"] == ITEMS
    print("deletes: %d items, %.0f write units in %.1f s = %.2f units/s (budget %.1f, %+.0f%%), %d retries"
          % (real["deleted"], real["write_units"], real["elapsed_seconds"], rate, WRITE_BUDGET,
             100 * (rate / WRITE_BUDGET - 1), real["retries"]))
    print("within 20%%: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
