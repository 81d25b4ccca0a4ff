"""`make install` into a temporary prefix: the library with its SONAME and
development links, the header, connectdynamo.pc, the tool and its man page;
a C program built with nothing but `pkg-config --cflags --libs
connectdynamo` runs against moto; `make uninstall` removes it all."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include <connectdynamo.h>

int main(int argc, char **argv) {
    cdyn_store_options opts;
    cdyn_store_options_init(&opts, CDYN_STORE_OPTIONS_VERSION);
    opts.endpoint = argv[1];
    opts.table = "installed";
    cdyn_store *store = NULL;
    if (argc < 2 || cdyn_store_open(&store, &opts) != CDYN_OK) return 1;
    const char *json = "{\"from\":\"pkg-config\"}";
    if (cdyn_set(store, "s1", json, strlen(json), 0, CDYN_SET_DEFAULT) != CDYN_OK) return 2;
    cdyn_buf buf = {NULL, 0};
    if (cdyn_get(&buf, NULL, store, "s1") != CDYN_OK) return 3;
    printf("%s %s\n", cdyn_version(), buf.ptr);
    cdyn_buf_dispose(&buf);
    cdyn_store_free(store);
    return 0;
}
"""

pytestmark = pytest.mark.skipif(shutil.which("pkg-config") is None, reason="pkg-config not installed")


def make(*args):
    subprocess.run(["make", "--no-print-directory", "-s", *args], cwd=ROOT, check=True, timeout=900,
                   stdout=subprocess.DEVNULL)


def header_version():
    for line in (ROOT / "include" / "connectdynamo.h").read_text().splitlines():
        if line.startswith('#define CDYN_VERSION "'):
            return line.split('"')[1]
    raise AssertionError("no CDYN_VERSION in the header")


def test_install_then_build_with_pkg_config_alone_and_run(tmp_path, moto_url):
    prefix = tmp_path / "prefix"
    make("install", "PREFIX=%s" % prefix)
    version = header_version()
    minor, patch = version.split(".")[1:]
    real = "libconnectdynamo.so.1.%s.%s" % (minor, patch)
    lib = prefix / "lib"
    assert (lib / real).is_file() and not (lib / real).is_symlink()
    assert os.readlink(lib / "libconnectdynamo.so.1") == real
    assert os.readlink(lib / "libconnectdynamo.so") == "libconnectdynamo.so.1"
    assert (prefix / "include" / "connectdynamo.h").read_bytes() == (ROOT / "include" / "connectdynamo.h").read_bytes()
    assert (prefix / "share" / "man" / "man1" / "connectdynamo.1").read_text().startswith(".TH CONNECTDYNAMO 1")

    env = dict(os.environ, PKG_CONFIG_PATH=str(lib / "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "connectdynamo"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    assert subprocess.run(["pkg-config", "--modversion", "connectdynamo"], env=env,
                          capture_output=True, text=True, check=True).stdout.strip() == version
    (tmp_path / "prog.c").write_text(PROGRAM)
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-o", str(tmp_path / "prog"), str(tmp_path / "prog.c"), *flags],
                   cwd=tmp_path, check=True)
    # The installed library, not the tree's: only the prefix is on the path.
    run_env = dict(env, LD_LIBRARY_PATH=str(lib), AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
    out = subprocess.run([str(tmp_path / "prog"), moto_url], env=run_env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == '%s {"from":"pkg-config"}\n' % version
    ldd = subprocess.run(["ldd", str(tmp_path / "prog")], env=run_env, capture_output=True, text=True).stdout
    assert str(lib / "libconnectdynamo.so.1") in ldd

    # The installed tool finds the installed library through its rpath.
    tool = subprocess.run([str(prefix / "bin" / "connectdynamo"), "--endpoint", moto_url, "--table", "installed",
                           "get", "s1"], env=dict(run_env, LD_LIBRARY_PATH=""),
                          capture_output=True, text=True, timeout=60)
    assert tool.returncode == 0 and tool.stdout == '{"from":"pkg-config"}\n'

    make("uninstall", "PREFIX=%s" % prefix)
    assert [p for p in prefix.rglob("*") if not p.is_dir()] == []


def test_destdir_stages_under_the_final_prefix(tmp_path):
    stage = tmp_path / "stage"
    make("install", "PREFIX=/opt/cdyn", "DESTDIR=%s" % stage)
    pc = (stage / "opt" / "cdyn" / "lib" / "pkgconfig" / "connectdynamo.pc").read_text()
    assert "prefix=/opt/cdyn\n" in pc and str(stage) not in pc
    assert (stage / "opt" / "cdyn" / "bin" / "connectdynamo").is_file()
    assert not os.path.exists("/opt/cdyn/bin/connectdynamo")
