"""The Flask demo (examples/python/flask_app.py), non-interactively: it
serves on 127.0.0.1, plays a visit/login/logout over HTTP and reads the
stored session from Python, C and Node."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def test_the_flask_demo_check_mode(endpoint, table_name):
    env = dict(os.environ, CDYN_TEST_ENDPOINT=endpoint,
               PYTHONPATH=str(REPO / "bindings" / "python" / "src"))
    out = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python" / "flask_app.py"),
         "--check", "--table", table_name],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "check passed" in out.stdout
    assert '"user": "Ada"' in out.stdout
    assert "ok: C reads Ada's session" in out.stdout or "from C: skipped" in out.stdout
    assert "ok: the page names the table and the endpoint" in out.stdout
    assert "ok: connectdynamo get --raw shows Ada's item" in out.stdout or "(make tool)" in out.stdout
