"""Fixtures: a local DynamoDB (moto) for the session, a fresh table per test,
boto3 as an independent reader and writer of the same tables."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
BINDING = TESTS.parent
REPO = BINDING.parent.parent
REGION = "us-east-1"

# Credentials and region for every store and child process of the suite;
# moto accepts any signature. The shared AWS files are pointed away so a
# developer's own profile cannot leak in.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
})
for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(var, None)


def _localdynamo():
    spec = importlib.util.spec_from_file_location(
        "localdynamo", REPO / "scripts" / "localdynamo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def endpoint():
    """The DynamoDB endpoint: $CDYN_TEST_ENDPOINT (as `localdynamo.py run`
    sets it), else a moto server started for this session."""
    url = os.environ.get("CDYN_TEST_ENDPOINT")
    if url:
        yield url
        return
    with _localdynamo().LocalDynamo() as url:
        yield url


@pytest.fixture
def table_name():
    return "py-" + uuid.uuid4().hex[:12]


@pytest.fixture
def store_options(endpoint, table_name):
    """Keyword arguments for a Store on this test's own table."""
    return {"table": table_name, "endpoint_url": endpoint, "region": REGION}


@pytest.fixture
def store(store_options):
    from connectdynamo import Store
    with Store(**store_options) as s:
        yield s


@pytest.fixture(scope="session")
def boto(endpoint):
    boto3 = pytest.importorskip("boto3")
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture(scope="session")
def c_tool(tmp_path_factory):
    """examples/c/session_tool.c compiled against the header and the
    library: the C side of the interop tests."""
    from connectdynamo import library_path
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        pytest.skip("no C compiler")
    lib = Path(library_path()).resolve()
    out = tmp_path_factory.mktemp("c") / "session_tool"
    # Link against the very file the Python side loaded, by its SONAME.
    libdir = tmp_path_factory.mktemp("lib")
    (libdir / "libconnectdynamo.so").symlink_to(lib)
    (libdir / "libconnectdynamo.so.1").symlink_to(lib)
    subprocess.run(
        [cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-O1",
         f"-I{REPO / 'include'}", "-o", str(out),
         str(REPO / "examples" / "c" / "session_tool.c"),
         f"-L{libdir}", "-lconnectdynamo", f"-Wl,-rpath,{libdir}"],
        check=True)
    return out
