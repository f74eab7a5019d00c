# Canonical build (prebuildify drives node-gyp). Sources come from scripts/native-sources.cjs,
# the same list CMakeLists.txt reads. Each ISA is a static library with its own flags; the
# addon itself (dispatch, cpu detection, reference kernels) is built for baseline x86-64/arm64
# so a prebuilt binary runs on any CPU of its arch and picks a path at load time.
{
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fvisibility=hidden"],
    "cflags_cc!": ["-std=gnu++17", "-std=gnu++20"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3"], "GCC_ENABLE_CPP_EXCEPTIONS": "NO" },
  },
  "targets": [
    {
      "target_name": "attnscan",
      "sources": ["<!@(node scripts/native-sources.cjs base)"],
      "libraries": ["-lpthread"],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["attnscan_avx2", "attnscan_avx512"] }],
        ["target_arch=='arm64'", { "dependencies": ["attnscan_neon"] }],
      ],
    },
  ],
  "conditions": [
    ["target_arch=='x64'", { "targets": [
    {
      "target_name": "attnscan_avx2",
      "type": "static_library",
      "sources": ["<!@(node scripts/native-sources.cjs avx2)"],
      "cflags": ["-fPIC", "-mavx2", "-mfma", "-mf16c"],
      "xcode_settings": { "OTHER_CFLAGS": ["-mavx2", "-mfma", "-mf16c"] },
    },
    {
      "target_name": "attnscan_avx512",
      "type": "static_library",
      "sources": ["<!@(node scripts/native-sources.cjs avx512)"],
      "cflags": ["-fPIC", "-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512vl",
                 "-mavx512dq", "-mavx512bf16", "-mavx512vnni", "-Wno-maybe-uninitialized"],
      "xcode_settings": { "OTHER_CFLAGS": ["-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw",
                 "-mavx512vl", "-mavx512dq", "-mavx512bf16", "-mavx512vnni"] },
    }
    ] }],
    ["target_arch=='arm64'", { "targets": [
    {
      "target_name": "attnscan_neon",
      "type": "static_library",
      "sources": ["<!@(node scripts/native-sources.cjs neon)"],
      "cflags": ["-fPIC"],
    }
    ] }],
  ],
}
