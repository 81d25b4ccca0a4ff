"""`pip install ./bindings/python` works with no package index, and the
installed package loads the copy of the library it carries."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import BINDING


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    env = dict(os.environ)
    env.pop("CONNECTDYNAMO_LIBRARY", None)  # bundle the repository's build
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index",
                    "--no-cache-dir", "-q", "-w", str(out), str(BINDING)],
                   check=True, env=env, timeout=120)
    (path,) = out.glob("*.whl")
    return path


def test_the_wheel_carries_the_package_the_library_and_py_typed(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "connectdynamo/libconnectdynamo.so.1" in names
    assert "connectdynamo/py.typed" in names
    assert "connectdynamo/contrib/django/sessions.py" in names
    assert not any("__pycache__" in n for n in names)
    assert wheel.name.startswith("connectdynamo-") and "linux" in wheel.name
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Name: connectdynamo" in metadata and "Requires-Python: >=3.11" in metadata


def test_pip_install_offline_then_use_it(tmp_path, endpoint):
    target = tmp_path / "site"
    env = dict(os.environ)
    env.pop("CONNECTDYNAMO_LIBRARY", None)
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--no-deps",
                    "--no-cache-dir", "-q", "--target", str(target), str(BINDING)],
                   check=True, env=env, timeout=120)
    script = (
        "import connectdynamo, sys\n"
        "path = connectdynamo.library_path()\n"
        "assert path.startswith(sys.argv[1]), path\n"
        "with connectdynamo.Store('pip-installed', endpoint_url=sys.argv[2]) as s:\n"
        "    s.set('a', {'installed': True})\n"
        "    assert s.get('a') == {'installed': True}\n"
        "print('ok', connectdynamo.library_version())\n")
    # Run from elsewhere, so nothing of the source tree can be imported.
    out = subprocess.run([sys.executable, "-c", script, str(target), endpoint],
                         env=dict(env, PYTHONPATH=str(target)), cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok ")


def test_the_environment_variable_overrides_the_library(tmp_path):
    script = "import connectdynamo"
    env = dict(os.environ, CONNECTDYNAMO_LIBRARY=str(tmp_path / "missing.so"),
               PYTHONPATH=str(BINDING / "src"))
    out = subprocess.run([sys.executable, "-c", script], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "missing.so" in out.stderr


def test_the_wheel_installs_into_a_fresh_venv_elsewhere_and_works(wheel, tmp_path, endpoint):
    """The wheel alone (py3-none-<platform>, the library inside): a new
    virtual environment on another path, pip from the wheel file with no
    index, then the package stores and reaps there with nothing of the
    source tree or its build on any path."""
    assert wheel.name.endswith("-py3-none-linux_x86_64.whl") or "-py3-none-linux_" in wheel.name
    venv = tmp_path / "elsewhere" / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items()
           if k not in ("CONNECTDYNAMO_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH", "VIRTUAL_ENV")}
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--no-cache-dir", str(wheel)], check=True, env=env, timeout=300)
    script = (
        "import connectdynamo, sys\n"
        "assert connectdynamo.library_path().startswith(sys.prefix), connectdynamo.library_path()\n"
        "with connectdynamo.Store('venv-installed', endpoint_url=sys.argv[1], region='us-east-1') as s:\n"
        "    s.set('a', {'installed': True})\n"
        "    s.set('old', {}, expires=1000)\n"
        "    assert s.get('a') == {'installed': True}\n"
        "    seen = []\n"
        "    assert s.reap(progress=seen.append) == 1 and seen[-1].finished\n"
        "print('ok', connectdynamo.library_version())\n")
    out = subprocess.run([str(python), "-c", script, endpoint], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok ")
