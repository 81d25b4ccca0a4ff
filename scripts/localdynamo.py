#!/usr/bin/env python3
"""Start and stop a local DynamoDB endpoint (moto's server) on a free
loopback port.

As a command:
    scripts/localdynamo.py start [--dir build/moto] [--auth]   prints the URL
    scripts/localdynamo.py stop  [--dir build/moto]
    scripts/localdynamo.py url   [--dir build/moto]
    scripts/localdynamo.py run [--auth] [--aws-env] -- CMD ARGS...
        runs CMD with CDYN_TEST_ENDPOINT set to a fresh server's URL, then
        stops the server; exits with CMD's status. --aws-env also sets what
        any AWS program reads (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION and
        throwaway local credentials)
As a module (the test suites): `with LocalDynamo() as url: ...`.

--auth starts moto verifying the SigV4 signature of every request
(INITIAL_NO_AUTH_ACTION_COUNT=0), as real DynamoDB does.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def moto_command():
    # moto_server with DynamoDB's per-item atomicity (see moto_atomic.py),
    # unless CDYN_MOTO_ATOMIC=0 asks for moto as it is.
    if os.environ.get("CDYN_MOTO_ATOMIC") == "0":
        return [sys.executable, "-m", "moto.server"]
    return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_atomic.py")]


def wait_until_up(url, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("moto_server exited with %s" % proc.returncode)
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError("moto_server did not answer at %s" % url)


class LocalDynamo:
    """A moto server on a free loopback port, for the life of a `with`.

    auth_after: when not None, moto lets that many requests through
    unsigned-checked (for creating IAM keys) and verifies every later one.
    """

    def __init__(self, auth_after=None, log_path=None):
        self.auth_after = auth_after
        self.log_path = log_path
        self.proc = None
        self.url = None

    def start(self):
        port = free_port()
        env = dict(os.environ)
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        if self.auth_after is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(self.auth_after)
        log = open(self.log_path or os.devnull, "ab")
        self.proc = subprocess.Popen(
            moto_command() + ["-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
        log.close()
        self.url = "http://127.0.0.1:%d" % port
        try:
            wait_until_up(self.url, self.proc)
        except Exception:
            self.stop()
            raise
        return self.url

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def run_in_foreground(command, env):
    """Runs `command` and returns its exit status. Ctrl-C reaches the whole
    foreground process group: the command decides what it means (the demo
    stops its server), and this wrapper only waits for it, then stops moto,
    rather than die with a traceback of its own."""
    # Ignored from before the start (no moment where a Ctrl-C kills this
    # wrapper alone), and back to the default in the child.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(
            command, env=env,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "url", "run"])
    parser.add_argument("--dir", default="build/moto")
    parser.add_argument("--auth", action="store_true")
    parser.add_argument("--aws-env", action="store_true")
    argv = sys.argv[1:]
    command = []
    if "--" in argv:
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1:]
    args = parser.parse_args(argv)
    args.command = command
    if args.action == "run":
        with LocalDynamo(auth_after=0 if args.auth else None) as url:
            env = dict(os.environ, CDYN_TEST_ENDPOINT=url)
            if args.aws_env:
                env.update(AWS_ENDPOINT_URL_DYNAMODB=url, AWS_REGION="us-east-1",
                           AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
                env.pop("AWS_SESSION_TOKEN", None)
                env.pop("AWS_PROFILE", None)
            sys.exit(run_in_foreground(args.command, env))
    os.makedirs(args.dir, exist_ok=True)
    pid_file = os.path.join(args.dir, "pid")
    url_file = os.path.join(args.dir, "url")

    if args.action == "url":
        print(open(url_file).read().strip())
        return
    if args.action == "stop":
        try:
            pid = int(open(pid_file).read())
            os.killpg(pid, signal.SIGTERM)
        except (OSError, ValueError):
            pass
        for f in (pid_file, url_file):
            if os.path.exists(f):
                os.remove(f)
        return

    server = LocalDynamo(auth_after=0 if args.auth else None,
                         log_path=os.path.join(args.dir, "moto.log"))
    url = server.start()
    with open(pid_file, "w") as f:
        f.write(str(server.proc.pid))
    with open(url_file, "w") as f:
        f.write(url)
    print(url)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C while moto starts: it is stopped
        sys.exit(130)
