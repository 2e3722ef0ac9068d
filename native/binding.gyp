# Built only by `npm run build:native` (native/build.mjs). It lives in native/, not at the
# package root, so that `npm ci` does not run an implicit `node-gyp rebuild`.
{
  "targets": [
    {
      "target_name": "berth_native",
      "sources": ["berth_native.c"],
      "defines": ["_GNU_SOURCE"],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
