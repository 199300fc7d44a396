#!/usr/bin/env bash
# Compiles every ```cpp block of README.md as C++17 against an installed troupe, with
# g++ and (if present) clang++-14, -std=c++17 -pedantic-errors.
#
#   .ci/check_readme_samples.sh <troupe's install prefix>
#
# The wrapping rule: a block that defines `int main(` is a whole program and is
# compiled as it is. Any other block is a fragment: its #include lines go to the top
# of the file and the rest becomes the body of a function, `void ReadmeSample() {
# ... }`. So a fragment may declare local variables, structs and classes (even
# actors) and run statements, but not templates or namespace-scope definitions. Errors
# point at README.md's lines (#line).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=$1
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
read -r -a troupe_cflags <<<"$(pkg-config --cflags troupe)"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# sample_<n>.txt holds block n's lines; sample_<n>.line the README line it starts on.
awk -v dir="$scratch" '
  /^```cpp[[:space:]]*$/ { n++; file = dir "/sample_" n ".txt"; print NR + 1 > (dir "/sample_" n ".line"); inside = 1; next }
  /^```/ && inside { inside = 0; close(file); next }
  inside { print > file }
' README.md

compilers=(g++)
command -v clang++-14 >/dev/null && compilers+=(clang++-14)

samples=0
for text in "$scratch"/sample_*.txt; do
  [[ -e "$text" ]] || break
  samples=$((samples + 1))
  start=$(<"${text%.txt}.line")
  source="${text%.txt}.cc"
  if grep -q 'int main(' "$text"; then
    { echo "#line $start \"README.md\""; cat "$text"; } >"$source"
  else
    {
      grep '^#include' "$text" || true
      echo "void ReadmeSample() {"
      echo "#line $start \"README.md\""
      sed 's/^#include.*$//' "$text"  # blank, to keep the line numbers
      echo "}"
    } >"$source"
  fi
  for compiler in "${compilers[@]}"; do
    if ! "$compiler" -std=c++17 -pedantic-errors "${troupe_cflags[@]}" -c "$source" \
      -o /dev/null; then
      echo "check_readme_samples: the README.md sample at line $start does not compile" \
        "with $compiler -std=c++17 -pedantic-errors" >&2
      exit 1
    fi
  done
done
if ((samples == 0)); then
  echo "check_readme_samples: README.md has no \`\`\`cpp block" >&2
  exit 1
fi
echo "check_readme_samples: $samples README.md samples compile as C++17 with ${compilers[*]}"
