"""Every program in examples/ runs against the local DynamoDB, as its
comments tell a user to run it; a server runs in its check mode (start,
requests, stop). examples/python/flask_app.py runs in the Python suite
(bindings/python/tests/test_example.py); examples/c/session_tool.c runs in
both bindings' interop tests and in test_first_contact.py."""
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import ROOT

EXAMPLES = ROOT / "examples"
# express from Debian's node-express (scripts/install-deps.sh installs it).
DEBIAN_NODE_MODULES = "/usr/share/nodejs"


def make(*targets):
    subprocess.run(["make", "--no-print-directory", "-s", *targets], cwd=ROOT,
                   check=True, timeout=600)


def local_aws(moto_url):
    """What `localdynamo.py run --aws-env` gives a program."""
    return dict(os.environ, AWS_ENDPOINT_URL_DYNAMODB=moto_url, CDYN_TEST_ENDPOINT=moto_url,
                AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="local",
                AWS_SECRET_ACCESS_KEY="local")


@pytest.fixture(scope="module")
def node_example_deps():
    """examples/node installed the way its comments say (npm, offline,
    connect-dynamo from the repository); the addon built first."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the Node examples")
    make("-C", "bindings/node")
    if not (EXAMPLES / "node" / "node_modules" / "connect-dynamo" / "package.json").exists():
        subprocess.run(["npm", "install", "--offline", "--no-audit", "--no-fund"],
                       cwd=EXAMPLES / "node", check=True, timeout=300,
                       capture_output=True)


def test_the_c_session_walk_runs(moto_url):
    make("build/examples/session_walk")
    env = local_aws(moto_url)
    env["CDYN_TABLE"] = "walk-" + uuid.uuid4().hex[:8]
    out = subprocess.run([str(ROOT / "build" / "examples" / "session_walk")], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    for step in ("set", "get", "touch", "destroy"):
        assert any(line.split()[:2] == [step, "ok"] for line in out.stdout.splitlines()), out.stdout


def test_the_node_session_walk_runs(moto_url, node_example_deps):
    out = subprocess.run(["node", "session_walk.js"], cwd=EXAMPLES / "node",
                         env=local_aws(moto_url), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "get    walk-1 views=2" in out.stdout
    assert "destroy walk-1 -> null" in out.stdout
    assert out.stdout.rstrip().endswith("closed")


def test_the_express_app_serves_sessions_in_check_mode(moto_url, node_example_deps, tmp_path):
    # express-session is in neither Debian nor PyPI, and the npm registry
    # is out of reach here: the Node suite's stand-in for it (the same
    # middleware cycle over the same Store API) takes its name.
    stand_in = tmp_path / "node_modules" / "express-session"
    stand_in.mkdir(parents=True)
    mini = ROOT / "bindings" / "node" / "test" / "support" / "mini-session.js"
    (stand_in / "index.js").write_text(f"module.exports = require({str(mini)!r});\n")
    env = local_aws(moto_url)
    env["NODE_PATH"] = os.pathsep.join([DEBIAN_NODE_MODULES, str(tmp_path / "node_modules")])
    out = subprocess.run(["node", "express-app.js", "--check"], cwd=EXAMPLES / "node", env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok: GET / -> views: 2" in out.stdout
    assert "ok: GET /logout -> bye" in out.stdout
    assert out.stdout.rstrip().endswith("check passed")


def test_every_example_is_run_by_a_test():
    # A new example joins `make test` with it (named in the test that runs
    # it), or this fails: examples that nothing runs stop working.
    tests = [ROOT / "Tests", ROOT / "bindings" / "node" / "test",
             ROOT / "bindings" / "python" / "tests"]
    text = "\n".join(p.read_text(errors="replace") for d in tests for p in d.rglob("*")
                     if p.suffix in (".py", ".js") and p.is_file())
    examples = [p for lang in ("c", "node", "python") for p in (EXAMPLES / lang).iterdir()
                if p.suffix in (".c", ".js", ".py")]
    assert len(examples) >= 5
    # A C example is built by name: build/examples/STEM (the Makefile's rule).
    unrun = [p.name for p in examples
             if p.name not in text and f"build/examples/{p.stem}" not in text]
    assert unrun == [], f"no test runs {unrun}"
