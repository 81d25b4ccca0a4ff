#!/usr/bin/env python3
"""The Python binding's side of the concurrency benchmark (see
bench/concurrency_capi.c): INFLIGHT asyncio tasks looping on
AsyncStore.get against bench/slow_server.c for SECONDS, with a pool as
large as the calls in flight.

    concurrency_python.py URL INFLIGHT SECONDS

Prints "ops N seconds S cpu_us_per_op C errors E" (CPU: the whole
process, the library's I/O thread included)."""
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python" / "src"))
from connectdynamo.aio import AsyncStore  # noqa: E402


async def main(url, inflight, seconds):
    store = AsyncStore("bench", endpoint_url=url, region="us-east-1", aws_access_key_id="bench",
                       aws_secret_access_key="bench", create_table=False,
                       max_connections=max(50, inflight))
    await store.get("bench")  # the table check, one connection
    counts = {"ops": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    async def chain():
        while time.monotonic() < deadline:
            try:
                if await store.get("bench") is None:
                    counts["errors"] += 1
            except Exception as error:
                if counts["errors"] == 0:
                    print("concurrency_python: %s" % error, file=sys.stderr)
                counts["errors"] += 1
            counts["ops"] += 1

    cpu, start = time.process_time(), time.monotonic()
    await asyncio.gather(*(chain() for _ in range(inflight)))
    elapsed, used = time.monotonic() - start, time.process_time() - cpu
    store.close()
    print("ops %d seconds %.3f cpu_us_per_op %.2f errors %d"
          % (counts["ops"], elapsed, used / max(counts["ops"], 1) * 1e6, counts["errors"]))
    return 1 if counts["errors"] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))))
