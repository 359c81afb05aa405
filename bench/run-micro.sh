#! /bin/bash
#
# Copyright (c) 2026 The flowexport authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Runs flowexport's micro-benchmarks (bench/bench-cache-fx,
# bench/bench-cache-ovs, bench/bench-encode) over the whole matrix and
# prints the results as markdown: the machine, the exact commands, one table
# for the flow cache (ours against OVS's own ofproto/netflow.c) and one for
# the encoders, then every program's raw output line.  See
# docs/benchmarks.md.  Benchmarks print figures; nothing here passes or
# fails on a number.

set -e

builddir=.
seconds=2
enc_seconds=2
flows_list="10000 100000 1000000"
threads_list="1 2"

usage() {
    cat <<EOF
usage: $0 [OPTIONS]
Runs the flowexport micro-benchmarks and prints markdown tables.
  --builddir=DIR     build directory holding bench/ (default: .)
  --seconds=S        timed phase of each cache run (default: $seconds)
  --enc-seconds=S    length of each encoder run (default: $enc_seconds)
  --flows="K..."     flow counts (default: "$flows_list")
  --threads="N..."   thread counts (default: "$threads_list")
Takes about 3 minutes with the defaults on 2 cores.
EOF
}

command_line=$(printf "%q " "$0" "$@")
command_line=${command_line% }
for arg; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --seconds=*) seconds=${arg#*=} ;;
        --enc-seconds=*) enc_seconds=${arg#*=} ;;
        --flows=*) flows_list=${arg#*=} ;;
        --threads=*) threads_list=${arg#*=} ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$0: unknown option $arg (use --help)" >&2; exit 1 ;;
    esac
done

# Work on copies, so that a concurrent "make" cannot replace a program
# halfway through the run.
tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT
for prog in bench-cache-fx bench-cache-ovs bench-encode; do
    if ! test -x "$builddir/bench/$prog"; then
        echo "$0: $builddir/bench/$prog not found (run make first)" >&2
        exit 1
    fi
    cp "$builddir/bench/$prog" "$tmpdir/"
done
fx=$tmpdir/bench-cache-fx
ovs=$tmpdir/bench-cache-ovs
enc=$tmpdir/bench-encode

# Each cache program must hold the intended netflow.h implementation:
# ours (fx_cache_update, log module fx_tap) or OVS's netflow.o (its static
# netflow_run__ and netflow_expire__, log module netflow).
check_nm() {
    local prog=$1 want=$2 shun=$3 syms
    syms=$(nm "$prog")
    for sym in $want; do
        if ! grep -q " $sym\$" <<<"$syms"; then
            echo "$0: $(basename "$prog") lacks $sym" >&2
            exit 1
        fi
    done
    for sym in $shun; do
        if grep -q " $sym\$" <<<"$syms"; then
            echo "$0: $(basename "$prog") has $sym" >&2
            exit 1
        fi
    done
}
check_nm "$fx" "fx_cache_update VLM_fx_tap netflow_flow_update" \
         "VLM_netflow netflow_run__"
check_nm "$ovs" \
         "netflow_run__ netflow_expire__ VLM_netflow netflow_flow_update" \
         "fx_cache_update VLM_fx_tap"

# field LINE NAME: the value of NAME=... in LINE.
field() {
    sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" <<<" $1"
}

millions() {
    case $1 in
        ''|n/a) echo "n/a" ;;
        *) awk -v x="$1" 'BEGIN { printf "%.2f M", x / 1e6 }' ;;
    esac
}

ratio() {
    case $1$2 in
        *n/a*|'') echo "-" ;;
        *) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' ;;
    esac
}

start=$(date +%s)
raw=
cache_rows=
for flows in $flows_list; do
    for family in ipv4 ipv6; do
        for threads in $threads_list; do
            args="--family=$family --flows=$flows --threads=$threads"
            args="$args --seconds=$seconds"
            fx_line=$("$fx" $args)
            ovs_line=$("$ovs" $args)
            raw="$raw$fx_line"$'\n'"$ovs_line"$'\n'

            fx_ups=$(field "$fx_line" updates_per_sec)
            ovs_ups=$(field "$ovs_line" updates_per_sec)
            if test "$ovs_ups" = n/a; then
                ovs_cell="n/a (ignores IPv6)"
                ovs_bpf="n/a"
                ovs_run="-"
            else
                ovs_cell=$(millions "$ovs_ups")
                ovs_bpf=$(field "$ovs_line" bytes_per_flow)
                ovs_run=$(field "$ovs_line" run_max_ms)
            fi
            cache_rows="$cache_rows| $flows | $family | $threads"
            cache_rows="$cache_rows | $(millions "$fx_ups") | $ovs_cell"
            cache_rows="$cache_rows | $(ratio "$fx_ups" "$ovs_ups")"
            cache_rows="$cache_rows | $(field "$fx_line" bytes_per_flow)"
            cache_rows="$cache_rows | $ovs_bpf"
            cache_rows="$cache_rows | $(field "$fx_line" run_max_ms)"
            cache_rows="$cache_rows | $ovs_run"
            cache_rows="$cache_rows | $(field "$fx_line" ns_per_call)"
            cache_rows="$cache_rows | $(field "$ovs_line" ns_per_call)"
            cache_rows="$cache_rows | $(field "$fx_line" cpu_ns_per_call)"
            cache_rows="$cache_rows | $(field "$ovs_line" cpu_ns_per_call)"
            cache_rows="$cache_rows | $(field "$fx_line" backpressure) |"$'\n'
        done
    done
done

# An OVS-like revalidation load: every flow updated every 500 ms, by one
# thread, at the largest flow count: does the apply side keep up (no
# back-pressure, a short drain)?
max_flows=$(tr ' ' '\n' <<<"$flows_list" | sort -n | tail -1)
paced_rate=$((max_flows * 2))
paced_line=$("$fx" --family=ipv4 --flows=$max_flows --threads=1 \
                   --seconds=$seconds --rate=$paced_rate)
raw="$raw$paced_line"$'\n'

enc_rows=
for config in "5 0" "9 0" "9 50" "9 100" "10 0" "10 50" "10 100"; do
    set -- $config
    line=$("$enc" --protocol=$1 --ipv6-share=$2 --seconds=$enc_seconds)
    raw="$raw$line"$'\n'
    enc_rows="$enc_rows| $(field "$line" encoder) | $2 %"
    enc_rows="$enc_rows | $(millions "$(field "$line" records_per_sec)")"
    enc_rows="$enc_rows | $(field "$line" bytes_per_record)"
    enc_rows="$enc_rows | $(field "$line" records_per_msg) |"$'\n'
done
end=$(date +%s)

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cat <<EOF
## Machine

- nproc: $(nproc)
- CPU: $cpu_model
- kernel: $(uname -sr)
- compiler: $(${CC:-gcc} --version | head -1)
- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)
- date: $(date -u '+%Y-%m-%d %H:%M UTC'), run time $((end - start)) s

Command: \`$command_line\`

## Flow cache: netflow_flow_update() throughput and memory

One program run per cell pair, e.g.
\`bench/bench-cache-fx --family=ipv4 --flows=1000000 --threads=2
--seconds=$seconds\` (and the same arguments to \`bench/bench-cache-ovs\`).
Updates per second of all threads together over ${seconds} s; bytes per
flow = RSS growth while populating / flows; netflow_run max = longest
netflow_run() call in the main thread (OVS holds its global mutex for all
of it).

ns/call = time on the calling (worker) threads per call, harness loop
included (wall time, and CPU time of the calling threads, which other
jobs on a shared machine do not inflate); back-pressure = batches that a worker applied itself because
the apply queue was full (flowexport logs updates and applies them in
batches on its own thread).

| flows | family | threads | fx updates/s | OVS updates/s | fx/OVS | fx B/flow | OVS B/flow | fx netflow_run max ms | OVS netflow_run max ms | fx ns/call | OVS ns/call | fx CPU ns/call | OVS CPU ns/call | fx back-pressure |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$cache_rows
Apply side under an OVS-like load, \`bench/bench-cache-fx --family=ipv4
--flows=$max_flows --threads=1 --seconds=$seconds --rate=$paced_rate\`
(every flow updated every 500 ms): $(millions "$(field "$paced_line" updates_per_sec)")
updates/s done, $(field "$paced_line" ns_per_call) ns per call on the
calling thread, back-pressure $(field "$paced_line" backpressure) batches,
$(field "$paced_line" drain_ms) ms to apply what was left when it stopped.

## Encoders: records per second per core

One thread, e.g.
\`bench/bench-encode --protocol=10 --ipv6-share=50 --seconds=$enc_seconds\`.
Bytes per record include message and set headers, padding and templates.

| encoder | IPv6 share | records/s/core | bytes/record | records/message |
|---|---:|---:|---:|---:|
$enc_rows
## Raw output

\`\`\`
$raw\`\`\`
EOF
