#!/usr/bin/env bash
# troupe's scale benchmark (benchmarks/savina/scale.cc) with small counts: each kind
# prints its result line; a run that cannot get the memory it needs (a low
# RLIMIT_AS, set here with ulimit -v) is reported as a status=died line (the runtime
# aborted) or a status=stalled line (the rest never ran) with how far it got, and
# exit status 3, instead of a crash; bad flags are refused (exit 2).
set -euo pipefail

binary="$TEST_SRCDIR/troupe/benchmarks/savina/scale"
fail() { echo "FAIL: $*" >&2; exit 1; }

for kind in actors fibers; do
  out="$("$binary" --kind="$kind" --count=2000 --procs=2 2>"$TEST_TMPDIR/stderr")" ||
    fail "--kind=$kind exited $?: $(cat "$TEST_TMPDIR/stderr")"
  name=$([[ $kind == actors ]] && echo IdleActors || echo ParkedFibers)
  [[ "$out" =~ ^name=$name\ items=2000\ seconds=[0-9.]+\ items_per_second=[0-9.e+]+\ bytes_per_item=-?[0-9]+$ ]] ||
    fail "--kind=$kind: unexpected result line: $out"
done

# The probe's steps, each a result line over 256 pages (HugePageTouch: 512, one 2 MiB),
# or, for the populate step on an old kernel, an unsupported line.
out="$("$binary" --kind=first_touch --count=256)" || fail "--kind=first_touch exited $?"
for step in FirstTouch SecondTouch HugePageTouch; do
  grep -Eq "^name=$step items=(256|512) seconds=[0-9.]+ .*bytes_per_item=4096$" <<<"$out" ||
    fail "--kind=first_touch: no $step line: $out"
done
grep -Eq "^name=HugePageBacking items=1 huge_pages=[01]$" <<<"$out" ||
  fail "--kind=first_touch: no HugePageBacking line: $out"
grep -Eq "^name=PopulateWrite items=256 (seconds=.*bytes_per_item=4096|status=unsupported)" \
  <<<"$out" || fail "--kind=first_touch: no PopulateWrite line: $out"

# 100,000 fibers need about 6.5 GiB of address space for their stacks: with 1 GiB
# the child fails, and the parent reports it.
status=0
out="$(ulimit -v 1048576 &&
  "$binary" --kind=fibers --count=100000 --procs=2 --stall_s=2 2>"$TEST_TMPDIR/stderr")" ||
  status=$?
[[ $status == 3 ]] || fail "under a 1 GiB address-space limit: exit $status, want 3; $out"
[[ "$out" =~ ^name=ParkedFibers\ items=100000\ status=(died|stalled)\ created=[0-9]+\ ran=[0-9]+\ reason= ]] ||
  fail "under a 1 GiB address-space limit: unexpected line: $out"

status=0
"$binary" --kind=threads 2>"$TEST_TMPDIR/stderr" || status=$?
[[ $status == 2 ]] || fail "--kind=threads: exit $status, want 2"
grep -q "actors, fibers or first_touch" "$TEST_TMPDIR/stderr" ||
  fail "--kind=threads: no message listing the kinds: $(cat "$TEST_TMPDIR/stderr")"
echo PASS
