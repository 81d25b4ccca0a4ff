"""The project's fault server (Tests/support/faultserver.py) in front of
the local DynamoDB, for the Node tests: `faultproxy.py ENDPOINT FAULT OP`
applies FAULT to every OP request, prints its URL on one line, and runs
until its stdin closes."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "Tests" / "support"))
from faultserver import FaultServer  # noqa: E402

endpoint, fault, op = sys.argv[1:4]
with FaultServer(endpoint) as proxy:
    proxy.always(fault, op=op)
    print(proxy.url, flush=True)
    sys.stdin.read()
