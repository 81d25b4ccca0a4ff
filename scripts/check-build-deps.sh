#!/usr/bin/env bash
# What `make lib` needs before Swift compiles anything: the C headers of
# libcurl and OpenSSL's libcrypto, and a Swift toolchain. On a fresh machine
# the compiler would otherwise stop at "'curl/curl.h' file not found", which
# names neither the package to install nor `make deps`.
#
# CC and SWIFT as the Makefile has them; CHECK_CPPFLAGS is added to the
# header check (the tests pass -nostdinc to see this message without
# uninstalling anything).
set -uo pipefail

cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || cc=clang  # the Swift toolchain has one
swift=${SWIFT:-swift}

# header, then the Debian package that provides it (and the library to link)
needed=(
    "curl/curl.h libcurl4-openssl-dev"
    "openssl/sha.h libssl-dev"
)
missing=()
for entry in "${needed[@]}"; do
    header=${entry%% *}
    # shellcheck disable=SC2086  # CHECK_CPPFLAGS is a list of flags
    if ! printf '#include <%s>\n' "$header" |
            "$cc" ${CHECK_CPPFLAGS:-} -E -x c - >/dev/null 2>&1; then
        missing+=("$entry")
    fi
done

status=0
if [ ${#missing[@]} -gt 0 ]; then
    packages=()
    echo "connect-dynamo: cannot build the library: missing C headers" >&2
    for entry in "${missing[@]}"; do
        echo "  <${entry%% *}> from the Debian package ${entry#* }" >&2
        packages+=("${entry#* }")
    done
    echo "Install them with \`make deps\` (scripts/install-deps.sh, which installs" >&2
    echo "everything the build, tests and demo need), or: apt-get install ${packages[*]}" >&2
    status=1
fi
if ! command -v "$swift" >/dev/null 2>&1; then
    echo "connect-dynamo: no Swift compiler ($swift): put the toolchain on PATH," >&2
    echo "  e.g. export PATH=/opt/swift/usr/bin:\$PATH" >&2
    status=1
fi
exit $status
