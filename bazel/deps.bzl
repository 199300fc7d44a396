"""The repositories troupe needs, for troupe's own WORKSPACE and for consumers:

    local_repository(name = "troupe", path = "...")  # or http_archive, git_repository
    load("@troupe//bazel:deps.bzl", "troupe_dependencies")
    troupe_dependencies()

Every repository is declared only if the workspace has not declared one of that name
already, so a workspace that builds abseil from source (or has its own rules_cc)
declares @com_google_absl (or @rules_cc) first and troupe uses it. The names and
labels are the upstream projects' own: @com_google_absl//absl/status:statusor,
@boost//:context (as rules_boost names it), @com_google_googletest//:gtest.

By default each comes from Debian's packages in /usr (setup.sh installs them), and
the offline stand-ins for the rule repositories Bazel 4 would download come from
troupe's third_party/bazel.
"""

load(
    "//bazel:system_library.bzl",
    "cc_link_library",
    "local_directory_repository",
    "system_library_repository",
)

def _maybe(repository_rule, name, **kwargs):
    if not native.existing_rule(name):
        repository_rule(name = name, **kwargs)

_ABSL_PACKAGES = {
    "absl/base": "\n".join([
        cc_link_library("core_headers"),
        cc_link_library(
            "base",
            ["absl_base", "absl_raw_logging_internal", "absl_spinlock_wait", "absl_log_severity"],
            [":core_headers"],
        ),
    ]),
    "absl/strings": "\n".join([
        cc_link_library(
            "strings",
            ["absl_strings", "absl_strings_internal", "absl_int128", "absl_throw_delegate"],
            ["//absl/base"],
        ),
        cc_link_library("str_format", ["absl_str_format_internal"], [":strings"]),
        cc_link_library(
            "cord",
            ["absl_cord", "absl_cord_internal", "absl_cordz_info", "absl_cordz_functions",
             "absl_cordz_handle"],
            [":strings"],
        ),
    ]),
    "absl/status": "\n".join([
        cc_link_library("status", ["absl_status", "absl_strerror"], ["//absl/strings:cord"]),
        cc_link_library("statusor", ["absl_statusor"], [":status"]),
    ]),
    "absl/time": cc_link_library(
        "time",
        ["absl_time", "absl_time_zone", "absl_civil_time", "absl_int128"],
        ["//absl/base"],
    ),
    "absl/hash": cc_link_library("hash", ["absl_hash", "absl_city", "absl_low_level_hash"]),
    "absl/container": "\n".join([
        cc_link_library(name, ["absl_raw_hash_set", "absl_hashtablez_sampler"], ["//absl/hash"])
        for name in ["flat_hash_map", "flat_hash_set", "node_hash_map", "node_hash_set"]
    ] + [cc_link_library("inlined_vector"), cc_link_library("fixed_array")]),
    "absl/functional": "\n".join([
        cc_link_library(name)
        for name in ["any_invocable", "function_ref", "bind_front"]
    ]),
    "absl/types": "\n".join([
        cc_link_library("optional", ["absl_bad_optional_access"]),
        cc_link_library("variant", ["absl_bad_variant_access"]),
        cc_link_library("span"),
    ]),
    "absl/flags": "\n".join([
        cc_link_library(
            "flag",
            ["absl_flags_internal", "absl_flags_marshalling", "absl_flags_reflection",
             "absl_flags_config", "absl_flags_program_name",
             "absl_flags_private_handle_accessor", "absl_flags_commandlineflag",
             "absl_flags_commandlineflag_internal"],
            ["//absl/strings:str_format"],
        ),
        cc_link_library(
            "parse",
            ["absl_flags_parse", "absl_flags_usage", "absl_flags_usage_internal"],
            [":flag"],
        ),
        cc_link_library("usage", ["absl_flags_usage", "absl_flags_usage_internal"], [":flag"]),
    ]),
    "absl/random": cc_link_library(
        "random",
        ["absl_random_internal_pool_urbg", "absl_random_internal_randen",
         "absl_random_internal_randen_hwaes", "absl_random_internal_randen_hwaes_impl",
         "absl_random_internal_randen_slow", "absl_random_internal_platform",
         "absl_random_internal_seed_material", "absl_random_seed_gen_exception",
         "absl_random_distributions", "absl_random_seed_sequences"],
    ),
    "absl/debugging": cc_link_library(
        "symbolize",
        ["absl_symbolize", "absl_debugging_internal", "absl_demangle_internal",
         "absl_malloc_internal"],
        ["//absl/base", "//absl/strings"],
    ),
    "absl/synchronization": cc_link_library(
        "synchronization",
        ["absl_synchronization", "absl_graphcycles_internal", "absl_stacktrace",
         "absl_symbolize", "absl_malloc_internal", "absl_debugging_internal",
         "absl_demangle_internal"],
        ["//absl/base", "//absl/time"],
    ),
}

_BOOST_PACKAGES = {
    "": "\n".join([
        "# Boost.Context: troupe uses its fcontext primitives (make_fcontext/jump_fcontext).",
        cc_link_library("context", ["boost_context"]),
        "# Boost.Fiber: only the peer programs in benchmarks/peers/boost_fiber/ use it.",
        cc_link_library("fiber", ["boost_fiber", "boost_context"]),
    ]),
}

def troupe_dependencies():
    """What a workspace needs to build @troupe//:troupe."""
    _maybe(
        local_directory_repository,
        "rules_cc",
        marker = Label("//third_party/bazel/rules_cc:WORKSPACE"),
    )
    _maybe(
        local_directory_repository,
        "rules_java",
        marker = Label("//third_party/bazel/rules_java:WORKSPACE"),
    )
    _maybe(
        local_directory_repository,
        "remote_coverage_tools",
        marker = Label("//third_party/bazel/remote_coverage_tools:WORKSPACE"),
    )
    _maybe(
        system_library_repository,
        "com_google_absl",
        package = "libabsl-dev (20220623 or later)",
        required_headers = ["/usr/include/absl/status/statusor.h"],
        packages = _ABSL_PACKAGES,
    )
    _maybe(
        system_library_repository,
        "boost",
        package = "libboost-context-dev",
        required_headers = ["/usr/include/boost/context/detail/fcontext.hpp"],
        packages = _BOOST_PACKAGES,
    )

    _maybe(
        system_library_repository,
        "zlib",
        package = "zlib1g-dev",
        required_headers = ["/usr/include/zlib.h"],
        packages = {"": "# pprof profiles are gzipped (//profiling).\n" +
                        cc_link_library("zlib", ["z"])},
    )

    # //remote: actors across processes over NATS (the C client), with protobuf
    # messages as the default codec. Repository rules are lazy: a workspace that
    # never builds //remote needs neither package.
    _maybe(
        system_library_repository,
        "nats_c",
        package = "libnats-dev (3.4)",
        required_headers = ["/usr/include/nats/nats.h"],
        packages = {"": cc_link_library("nats", ["nats"])},
    )
    _maybe(
        system_library_repository,
        "com_google_protobuf",
        package = "libprotobuf-dev and protobuf-compiler (3.21)",
        required_headers = ["/usr/include/google/protobuf/message_lite.h", "/usr/bin/protoc"],
        packages = {"": "# .proto files: troupe_cc_proto_library (//bazel:proto.bzl) runs /usr/bin/protoc.\n" +
                        cc_link_library("protobuf", ["protobuf", "pthread"])},
    )

def troupe_dev_dependencies():
    """What troupe's own tests, benchmarks and example service need besides."""
    _maybe(
        system_library_repository,
        "com_google_googletest",
        package = "libgtest-dev and libgmock-dev",
        required_headers = ["/usr/include/gtest/gtest.h", "/usr/include/gmock/gmock.h"],
        packages = {"": "\n".join([
            cc_link_library("gtest", ["gmock", "gtest", "pthread"]),
            cc_link_library("gtest_main", ["gmock", "gtest_main", "gtest", "pthread"]),
        ])},
    )
    _maybe(
        system_library_repository,
        "com_github_google_benchmark",
        package = "libbenchmark-dev",
        required_headers = ["/usr/include/benchmark/benchmark.h"],
        packages = {"": "\n".join([
            cc_link_library("benchmark", ["benchmark", "pthread"]),
            cc_link_library("benchmark_main", ["benchmark_main", "benchmark", "pthread"]),
        ])},
    )
    _maybe(
        system_library_repository,
        "concurrentqueue",
        package = "libconcurrentqueue-dev",
        required_headers = ["/usr/include/concurrentqueue/concurrentqueue.h"],
        packages = {"": "# Header-only: #include <concurrentqueue/concurrentqueue.h>.\n" +
                        cc_link_library("concurrentqueue")},
    )
    _maybe(
        system_library_repository,
        "http_parser",
        package = "libhttp-parser-dev",
        required_headers = ["/usr/include/http_parser.h"],
        packages = {"": cc_link_library("http_parser", ["http_parser"])},
    )
    _maybe(
        system_library_repository,
        "caf",
        package = "libcaf-dev (0.17)",
        required_headers = ["/usr/include/caf/all.hpp"],
        packages = {"": "\n".join([
            cc_link_library("core", ["caf_core", "pthread"]),
            cc_link_library("io", ["caf_io", "caf_core", "pthread"]),
        ])},
    )
