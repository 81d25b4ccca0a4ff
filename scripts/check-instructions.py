#!/usr/bin/env python3
"""Instructions per blocking call, against a committed baseline: `make
test-instructions` (part of `make test`).

Runs Tests/perf/instructions.c (CALLS blocking sets, then CALLS gets, after
a warm-up) under valgrind --tool=callgrind against bench/instant_server.py,
a canned keep-alive endpoint, and divides each loop's instructions (the
whole process: ours, libcurl, libc, libcrypto) by CALLS. Instruction counts
do not depend on how busy the machine is, so this catches a slower change
without timing anything. Fails when set or get grows more than 10% over
Tests/perf/instructions-baseline.json.

Refresh the baseline (after a change that is meant to cost more, or to lock
in a gain, or on new libcurl/OpenSSL/glibc versions) with
`make instructions-baseline` and commit the file with the change.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "build" / "perf" / "instructions"
BASELINE = ROOT / "Tests" / "perf" / "instructions-baseline.json"
CALLS = 200
TOLERANCE = 0.10
PHASES = ("set", "get")


def measure(calls):
    """Instructions per call for each phase, from callgrind's dumps."""
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "instant_server.py")],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        if not url.startswith("http://"):
            raise SystemExit("check-instructions: the canned endpoint did not start")
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "callgrind.out"
            run = subprocess.run(
                ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                 "--callgrind-out-file=%s" % out, str(PROGRAM), str(calls)],
                env={"CDYN_TEST_ENDPOINT": url, "PATH": "/usr/bin:/bin"},
                capture_output=True, text=True, timeout=300)
            if run.returncode != 0:
                sys.stderr.write(run.stderr[-3000:])
                raise SystemExit("check-instructions: the workload failed (exit %d)" % run.returncode)
            found = {}
            for dump in Path(scratch).glob("callgrind.out.*"):
                trigger = total = None
                for line in dump.read_text().splitlines():
                    if line.startswith("desc: Trigger: Client Request: "):
                        trigger = line.rsplit(" ", 1)[1]
                    elif line.startswith("summary: "):
                        total = int(line.split()[1])
                if trigger in PHASES and total is not None:
                    found[trigger] = total // calls
            missing = [p for p in PHASES if p not in found]
            if missing:
                raise SystemExit("check-instructions: no callgrind dump for %s" % ", ".join(missing))
            return found
    finally:
        server.kill()
        server.wait()


def main(argv):
    update = "--update" in argv
    measured = measure(CALLS)
    if update:
        BASELINE.write_text(json.dumps({
            "what": "instructions per blocking call (callgrind, whole process), "
                    "written by `make instructions-baseline`",
            "calls": CALLS, "per_call": measured}, indent=2) + "\n")
        print("check-instructions: baseline written: %s" % measured)
        return 0
    baseline = json.loads(BASELINE.read_text())["per_call"]
    failed = False
    for phase in PHASES:
        ratio = measured[phase] / baseline[phase]
        verdict = "ok"
        if ratio > 1 + TOLERANCE:
            verdict = "FAIL: more than %d%% over the baseline" % round(TOLERANCE * 100)
            failed = True
        elif ratio < 1 - TOLERANCE:
            verdict = "ok (faster: lock it in with `make instructions-baseline`)"
        print("check-instructions: %s %d instructions/call, baseline %d (%+.1f%%): %s"
              % (phase, measured[phase], baseline[phase], (ratio - 1) * 100, verdict))
    if failed:
        print("check-instructions: if the cost is intended, refresh the baseline with "
              "`make instructions-baseline` and commit Tests/perf/instructions-baseline.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
