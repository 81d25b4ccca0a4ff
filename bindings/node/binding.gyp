# node-gyp build of the addon (`npm install`, or `make gyp`). The plain
# Makefile builds the same sources with the same flags.
{
  "targets": [
    {
      "target_name": "connectdynamo",
      "sources": [
        "src/addon.c",
        "src/cdyn_api.c",
        "src/credentials.c",
        "src/log.c",
        "src/options.c",
        "src/reap.c",
        "src/request.c",
        "src/store.c"
      ],
      "include_dirs": ["include", "../../include"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "libraries": ["-ldl"],
      "ldflags": [
        "-Wl,-rpath,'$$ORIGIN/../../prebuilt/<(OS)-<(target_arch)'",
        "-Wl,-rpath,'$$ORIGIN/../../../../build/lib'",
        "-Wl,-rpath,<(module_root_dir)/../../build/lib"
      ]
    }
  ]
}
