"""What a new user meets first: `make` on a machine without the -dev
packages, the demo stopped with Ctrl-C, the C tool run without arguments."""
import os
import signal
import subprocess
import sys

from conftest import ROOT


def test_make_lib_names_the_missing_packages_and_make_deps():
    # -nostdinc empties the header search path: what a fresh machine
    # without libcurl4-openssl-dev and libssl-dev looks like to the check.
    out = subprocess.run(["make", "--no-print-directory", "lib", "CHECK_CPPFLAGS=-nostdinc"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert "<curl/curl.h> from the Debian package libcurl4-openssl-dev" in text
    assert "<openssl/sha.h> from the Debian package libssl-dev" in text
    assert "`make deps`" in text
    assert "swift build" not in text, "the check runs before the compiler"


def test_the_build_check_is_silent_when_everything_is_there():
    out = subprocess.run([str(ROOT / "scripts" / "check-build-deps.sh")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


def test_ctrl_c_stops_the_demo_without_a_traceback():
    # The demo's command (the Makefile's `demo` recipe) on a free port, in a
    # process group of its own, as a terminal runs it; then a terminal's
    # Ctrl-C: SIGINT to the whole group.
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PYTHONPATH=str(ROOT / "bindings" / "python" / "src"))
    demo = subprocess.Popen(
        [sys.executable, "scripts/localdynamo.py", "run", "--aws-env", "--",
         sys.executable, "examples/python/flask_app.py", "--port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True)
    try:
        banner = []
        for line in demo.stdout:
            banner.append(line)
            if "Ctrl-C stops it." in line:
                break
        assert any("Flask demo at http://127.0.0.1:" in b for b in banner), "".join(banner)
        os.killpg(demo.pid, signal.SIGINT)
        stdout, stderr = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    assert "Traceback" not in stderr + stdout, stderr
    # 0 from the serving loop; 130 when the signal beat it to serve_forever.
    assert demo.returncode in (0, 130), stderr


def test_session_tool_without_arguments_prints_its_usage_ending_with_a_newline():
    tool = ROOT / "build" / "examples" / "session_tool"
    subprocess.run(["make", "--no-print-directory", "-s", str(tool.relative_to(ROOT))],
                   cwd=ROOT, check=True, timeout=300)
    out = subprocess.run([str(tool)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.startswith("usage: session_tool get TABLE SID")
    assert out.stderr.endswith("\n") and out.stderr.count("\n") == 1
