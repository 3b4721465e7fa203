#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time (FUZZ_TIME, default 5s
# each): the CI smoke of `make fuzz`. A target that finds a failing input fails
# the run; Go writes that input under the package's testdata/fuzz/FuzzName/,
# where it becomes a regression seed once the bug is fixed (commit it).
#
#   FUZZ_TIME=5s        time per target
#   FUZZ_PARALLEL=2     fuzzing workers per target
#   FUZZ_ONLY=REGEXP    run only the targets whose name matches
#   FUZZ_SAVE_SEEDS=N   after each target, copy up to N of the new interesting
#                       inputs the fuzzer kept in its cache into
#                       testdata/fuzz/FuzzName/ (to commit as seeds); 0 = off
#
# Targets are found by their source (func FuzzXxx(f *testing.F)), so listing
# them compiles nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_time=${FUZZ_TIME:-5s}
parallel=${FUZZ_PARALLEL:-2}
save=${FUZZ_SAVE_SEEDS:-0}
cache=$(go env GOCACHE)/fuzz
mod=$(go list -m)

targets=0
failed=()
flaked=()
while IFS= read -r dir; do
  pkg="./${dir#./}"
  importpath=$mod/${dir#./}
  for name in $(grep -h -o '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' "$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort -u); do
    if [ -n "${FUZZ_ONLY:-}" ] && ! [[ "$name" =~ $FUZZ_ONLY ]]; then continue; fi
    targets=$((targets + 1))
    echo "== $pkg $name ($fuzz_time)"
    before=$(mktemp) seeds_before=$(mktemp) out=$(mktemp)
    ls "$cache/$importpath/$name" 2>/dev/null | sort >"$before" || true
    ls "$dir/testdata/fuzz/$name" 2>/dev/null | sort >"$seeds_before" || true
    if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzz_time" -parallel "$parallel" "$pkg" 2>&1 | tee "$out"; then
      # (no testdata/fuzz/FuzzName yet is no new input, not an error under pipefail)
      crashers=$( (ls "$dir/testdata/fuzz/$name" 2>/dev/null || true) | sort | comm -13 "$seeds_before" - | wc -l)
      if [ "$crashers" -eq 0 ] && grep -q '^    context deadline exceeded$' "$out" && ! grep -q -e 'panic:' -e 'Failing input written' "$out"; then
        # Go 1.26's fuzz coordinator can fail a target at the -fuzztime
        # deadline with no failing input (go.dev/issue/75804, fixed in 1.27).
        echo "   $name: the fuzzer stopped with a bare 'context deadline exceeded' and wrote no failing input (go.dev/issue/75804): not a finding"
        flaked+=("$pkg $name")
      else
        failed+=("$pkg $name")
      fi
    fi
    rm -f "$seeds_before" "$out"
    if [ "$save" -gt 0 ] && [ -d "$cache/$importpath/$name" ]; then
      mkdir -p "$dir/testdata/fuzz/$name"
      n=0
      for f in $(ls "$cache/$importpath/$name" | sort | comm -13 "$before" -); do
        [ "$n" -ge "$save" ] && break
        [ -e "$dir/testdata/fuzz/$name/$f" ] || { cp "$cache/$importpath/$name/$f" "$dir/testdata/fuzz/$name/$f"; n=$((n + 1)); }
      done
      echo "   saved $n new seeds to $dir/testdata/fuzz/$name"
    fi
    rm -f "$before"
  done
done < <(grep -rl --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' . | grep -v -e node_modules -e '^./e2e/' | xargs -n1 dirname | sort -u)

echo "== $targets fuzz targets, ${#failed[@]} failed, ${#flaked[@]} stopped by the Go 1.26 deadline race"
if [ "${#failed[@]}" -gt 0 ]; then
  printf '   FAILED: %s\n' "${failed[@]}"
  echo "   the failing inputs are under each package's testdata/fuzz/; reproduce with go test -run 'FuzzName/ID' ./pkg"
  exit 1
fi
if [ "$targets" -eq 0 ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi
