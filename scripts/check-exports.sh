#!/bin/sh
# The shipped library (build/lib, what `make lib` builds with the version
# script and the static Swift stdlib) exports only the C API and needs no
# Swift runtime. The debug library SwiftPM leaves in .build/ for its own
# tests is neither, and is not shipped.
set -eu
lib=${1:-build/lib/libconnectdynamo.so.1}
extra=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^cdyn_' || true)
if [ -n "$extra" ]; then
    echo "exports: $lib exports more than cdyn_*:" >&2
    echo "$extra" | head -20 >&2
    exit 1
fi
if ldd "$lib" | grep -i 'libswift'; then
    echo "exports: $lib needs the Swift runtime at run time" >&2
    exit 1
fi
echo "exports: $(nm -D --defined-only "$lib" | grep -c ' cdyn_') cdyn_* symbols and nothing else; no libswift* needed"
