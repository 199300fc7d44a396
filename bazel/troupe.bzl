"""The macros every BUILD file in troupe uses instead of cc_library/cc_test/cc_binary.

They carry what troupe needs to compile, so that a workspace depending on troupe needs
no flags of troupe's (.bazelrc is troupe's own development setup):
  - C++17 (TROUPE_COPTS), whatever the consumer's default standard is;
  - headers published as "troupe/<package>/<header>.h" (include_prefix), so that a
    consumer's own net/tcp.h can never shadow troupe's, nor troupe's theirs.
Tests also link troupe's sanitizer setup (//tests/support:sanitizer_setup), which a
consumer's binaries get only if they ask for it (README: "Sanitizers in your project").
"""

TROUPE_COPTS = ["-std=c++17"]

def troupe_cc_library(name, copts = [], **kwargs):
    native.cc_library(
        name = name,
        copts = TROUPE_COPTS + copts,
        include_prefix = "troupe/" + native.package_name(),
        **kwargs
    )

def troupe_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = TROUPE_COPTS + copts, **kwargs)

def troupe_cc_test(name, copts = [], deps = [], **kwargs):
    native.cc_test(
        name = name,
        copts = TROUPE_COPTS + copts,
        deps = deps + ["//tests/support:sanitizer_setup"],
        **kwargs
    )
