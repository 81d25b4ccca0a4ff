#!/usr/bin/env bash
# Installs what building and testing connect-dynamo needs and a fresh
# machine may lack. Quiet and quick when everything is there already.
set -euo pipefail

# node-typescript checks the Node binding's typings (tsc); pkgconf the
# installed connectdynamo.pc; the openssl command makes the TLS tests'
# throwaway certificate authority; node-express serves
# examples/node/express-app.js in its check mode.
apt_packages=(libcurl4-openssl-dev libssl-dev openssl zlib1g-dev valgrind node-typescript pkgconf node-express)
# The wheel test installs into a fresh venv: Debian's own python3 has venv
# (with ensurepip) only in python3-venv.
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_packages+=(python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: apt-get install ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python: moto's server is the local DynamoDB; boto3 and botocore are the
# independent oracles; the others serve the Python binding's tests.
pip_needed=()
python3 -c 'import moto.server, flask_cors' 2>/dev/null || pip_needed+=("moto[server]")
python3 -c 'import boto3, botocore' 2>/dev/null || pip_needed+=(boto3)
python3 -c 'import pytest' 2>/dev/null || pip_needed+=(pytest)
python3 -c 'import flask' 2>/dev/null || pip_needed+=(flask)
python3 -c 'import django' 2>/dev/null || pip_needed+=(django)
# The benchmark report's plots (`make bench`).
python3 -c 'import matplotlib' 2>/dev/null || pip_needed+=(matplotlib)
if [ ${#pip_needed[@]} -gt 0 ]; then
    echo "install-deps: pip install ${pip_needed[*]}"
    python3 -m pip install -q "${pip_needed[@]}"
fi
