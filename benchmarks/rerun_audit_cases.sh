#!/usr/bin/env bash
# Re-run the reliability audit's scenario and sweep-spec case files against the installed orgsim
# and count tracebacks, hangs and exit codes (issue 12's "before/after" check).
#
#   benchmarks/rerun_audit_cases.sh CASES_DIR [OUT_DIR]
#
# CASES_DIR holds the audit's sc/, ex/ and sp/ folders (../shared/audits/reliability-cases).
# Scenario files run as `orgsim run FILE --days 3`; sweep specs as `orgsim sweep SPEC --dry-run`
# (validation and the plan, no sweep). Each case gets 120 s and a 4 GB address-space cap.
set -u
cases=${1:?usage: rerun_audit_cases.sh CASES_DIR [OUT_DIR]}
work=${2:-$(mktemp -d)}
mkdir -p "$work/out"
table="$work/results.tsv"
printf "case\texit\tseconds\ttraceback\ttimeout\tfirst_line\n" > "$table"
cd "$cases" || exit 2
for f in sc/* ex/* sp/*; do
  name=$(echo "$f" | tr '/' '_')
  if [[ $f == sp/* ]]; then cmd=(orgsim sweep "$f" --out "$work/out/$name" --dry-run --workers 1)
  else cmd=(orgsim run "$f" --days 3 --out "$work/out/$name"); fi
  start=$(date +%s.%N)
  ( ulimit -v 4000000; timeout 120 "${cmd[@]}" ) > "$work/stdout.txt" 2> "$work/stderr.txt" < /dev/null
  rc=$?
  secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
  tb=$(grep -c "Traceback" "$work/stderr.txt")
  to=0; [[ $rc == 124 ]] && to=1
  first=$(head -1 "$work/stderr.txt" | cut -c1-160 | tr '\t' ' ')
  printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$f" "$rc" "$secs" "$tb" "$to" "$first" >> "$table"
done
awk -F'\t' 'NR>1{n++; if($4>0)tb++; if($5>0)to++; c[$2]++} END{printf "%d cases; tracebacks %d; hangs %d\n", n, tb, to; for(k in c) printf "  exit %s: %d\n", k, c[k]}' "$table"
echo "per case: $table"
