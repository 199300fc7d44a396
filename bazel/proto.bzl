"""troupe_cc_proto_library: C++ classes for one .proto file, made by Debian's protoc.

Bazel 4.2.3 offline has no rules_proto, so a genrule runs /usr/bin/protoc
(protobuf-compiler, which setup.sh installs) and a troupe_cc_library wraps what it
generates, linked against Debian's libprotobuf (@com_google_protobuf//:protobuf, see
deps.bzl). The header is included as "troupe/<package>/<file>.pb.h". Imports of other
.proto files are not supported yet: each file stands alone.
"""

load("//bazel:troupe.bzl", "troupe_cc_library")

def troupe_cc_proto_library(name, src, **kwargs):
    if not src.endswith(".proto"):
        fail("troupe_cc_proto_library: src must be a .proto file; got " + src)
    base = src[:-len(".proto")]
    native.genrule(
        name = name + "_protoc",
        srcs = [src],
        outs = [base + ".pb.h", base + ".pb.cc"],
        cmd = "/usr/bin/protoc --proto_path=. --cpp_out=$(GENDIR) $(location {})".format(src),
        visibility = ["//visibility:private"],
    )
    troupe_cc_library(
        name = name,
        srcs = [base + ".pb.cc"],
        hdrs = [base + ".pb.h"],
        deps = ["@com_google_protobuf//:protobuf"],
        **kwargs
    )
