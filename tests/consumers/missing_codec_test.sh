#!/usr/bin/env bash
# A remote reference to a type without a codec must not compile, and the error must
# say why (remote/codec.h). Compiles, with the system's C++ compiler against the
# headers as a user sees them: first a protobuf-free control that must compile
# (a type with a hand-written Codec), then the same with the Codec removed, which
# must fail with the static_assert's message.
set -euo pipefail

root="${TEST_SRCDIR}/${TEST_WORKSPACE}"
include_dir="${TEST_TMPDIR}/include"
mkdir -p "$include_dir/troupe"
for package in scheduler actors profiling remote tracing; do
  ln -sfn "$root/$package" "$include_dir/troupe/$package"
done

sample() {
  cat <<CPP
#include <string>
#include "troupe/remote/remote_ref.h"
struct Point { int x; };
$1
void Use(const troupe::RemoteRef<Point>& ref) { ref.Tell(Point{1}); }
CPP
}
codec='template <> struct troupe::Codec<Point> {
  static std::string TypeName() { return "Point"; }
  static void Encode(const Point& p, std::string* out) { out->append(std::to_string(p.x)); }
  static bool Decode(absl::string_view bytes, Point* p) { p->x = static_cast<int>(bytes.size()); return true; }
};'

compile() { "${CXX:-g++}" -std=c++17 -fsyntax-only -I"$include_dir" -x c++ - 2>&1; }

if ! output=$(sample "$codec" | compile); then
  echo "FAIL: a type with a Codec does not compile as a RemoteRef:" >&2
  echo "$output" >&2
  exit 1
fi
if output=$(sample "" | compile); then
  echo "FAIL: RemoteRef<Point> compiled although Point has no codec" >&2
  exit 1
fi
if ! grep -q "has no codec, so it cannot cross the wire" <<<"$output"; then
  echo "FAIL: the error does not say that the type has no codec:" >&2
  echo "$output" | head -20 >&2
  exit 1
fi
echo "missing_codec_test: RemoteRef of a type without a codec is refused with the codec message"
