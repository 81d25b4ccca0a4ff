"""A throwaway certificate authority for the TLS tests, made with the
openssl command: a CA, a server certificate for 127.0.0.1 signed by it,
and one for the name "localhost" only (valid, but for another host).

    certs = make(tmp_dir)
    certs.ca                        # PEM of the CA, for a CA bundle
    certs.server, certs.other_name  # (certfile, keyfile) pairs
"""
import subprocess
from pathlib import Path
from types import SimpleNamespace


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _leaf(directory, name, subject_alt_name):
    key, csr, cert, ext = (directory / (name + suffix) for suffix in (".key", ".csr", ".pem", ".ext"))
    ext.write_text("subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n" % subject_alt_name)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key), "-out", str(csr), "-subj", "/CN=" + name, cwd=directory)
    _openssl("x509", "-req", "-in", str(csr), "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", str(cert), "-days", "2", "-extfile", str(ext), cwd=directory)
    return str(cert), str(key)


def make(directory):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=connect-dynamo test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
             cwd=directory)
    return SimpleNamespace(ca=str(directory / "ca.pem"),
                           server=_leaf(directory, "loopback", "IP:127.0.0.1"),
                           other_name=_leaf(directory, "localhost", "DNS:localhost"))
