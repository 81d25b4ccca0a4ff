#!/usr/bin/env bash
# The public header must compile cleanly as C99 and as C++, warnings as errors.
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/h.c" <<'C'
#include "connectdynamo.h"
int main(void) {
    cdyn_store_options opts = CDYN_STORE_OPTIONS_INIT;
    return (int)opts.version - CDYN_STORE_OPTIONS_VERSION;
}
C
cp "$tmp/h.c" "$tmp/h.cpp"
cc -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/h.c" -o "$tmp/c.o"
c++ -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$tmp/h.cpp" -o "$tmp/cpp.o"
echo "header: C99 and C++11 clean"
