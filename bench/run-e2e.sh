#! /bin/bash
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
#
# bench/run-e2e.sh TABLE [--seconds=N] [--rounds=N] [--configs=LIST]
#                  [--builddir=DIR] [--keep] [--no-deps] [--no-pin]
#                  [--pipeline=normal|ct|ct-nat] [--profile] [TABLE OPTIONS]
#
# End-to-end benchmarks of flow export on OVS's userspace datapath: prints
# figures (markdown tables and raw lines), never passes or fails on a
# number.  As root.  TABLE is one of:
#
#   long   long TCP flows: iperf3 (--streams parallel streams, default 4)
#          from host at0 to host at1 for --seconds (default 20)
#   steady long flows at a fixed load: bench/bench-flowgen sends
#          --streams UDP flows (default 4; source ports 1024 and up) from
#          at0 to at1, round robin, at --rate packets a second in all
#          (default 30000, some 15 % of a CPU for ovs-vswitchd, so that
#          every configuration can forward it in full) for --seconds
#          (default 20): the figure is CPU per forwarded packet (see
#          below), not a rate
#   churn  short flows: bench/bench-flowgen sends UDP from at0 to at1,
#          every packet a new flow (new source port/address), at --rate
#          packets a second (default 20000; 0: as fast as it can, which
#          on a small machine takes CPU from ovs-vswitchd) for --seconds
#   scale  many live flows: bench-flowgen cycles through --flows flows
#          (default 1000000) at --rate (default 100000) for --seconds
#          (default 40), sampling the RSS of ovs-vswitchd and the flow
#          cache every 2 s; then, with flowexport, times the export of
#          the whole cache ("ovs-appctl flowexport/flush").  The flows'
#          inactive timeout (--inactive, default 60 s) must be longer than
#          one cycle through them
#
# For each configuration of --configs (comma-separated; by default all
# those below for long, steady and churn, "off,fx-ipfix,ovs-nf" for
# scale), in turn and --rounds times over (default 1; rounds interleave
# the configurations),
# the script builds a fresh setup: namespaces OVSNS (ovsdb-server's peer
# ovs-vswitchd, bridge br0 with datapath_type=netdev, and the collector)
# and hosts at0 (10.1.1.1/16) and at1 (10.1.1.2/16), each joined to br0 by
# a veth (IPv6 off).  br0 has three OpenFlow rules, all NORMAL: "ip",
# "ipv6" and a catch-all, so that its "ip" rule counts every IPv4 packet
# the bridge forwarded.  With --pipeline=ct, IPv4 goes through conntrack
# as in a stateful firewall (the OVS firewall driver's shape): table 0's
# "ip" rule sends it to ct(table=1,zone=1), and table 1 commits and
# forwards new connections, forwards established and related ones, and
# drops the rest, so that every IPv4 packet takes two datapath passes
# (recirculation); the "ip" rule still counts every IPv4 packet that
# entered.  --pipeline=ct-nat is the same with NAT: table 0 sends IPv4 to
# ct(table=1,zone=1,nat), and table 1 commits new UDP connections with
# nat(src=10.1.200.1-10.1.200.250) (one-way UDP needs no reply to the
# translated address; other IPv4, such as the ping that checks the setup,
# is committed untranslated).  The configurations:
#
#   off          (a)  flowexport's ovs-vswitchd, no export: the baseline
#   off-stock    (a') OVS's own ovs-vswitchd, no export
#   fx-ipfix     (b)  flowexport, Bridge.ipfix (unsampled IPFIX)
#   fx-v5        (c)  flowexport, Bridge.netflow (NetFlow v5)
#   ovs-nf       (d)  OVS's own ovs-vswitchd, its built-in NetFlow v5
#   ovs-ipfix1   (e)  OVS's own ovs-vswitchd, its IPFIX, sampling=1
#   ovs-ipfix64  (e)  the same, sampling=64
#   softflowd    (f)  flowexport's ovs-vswitchd without export, softflowd
#                     (IPFIX) capturing on the bridge's port ovs-p0
#
# Every export goes to nfcapd on 127.0.0.1 of OVSNS.  Timeouts: active
# 60 s, inactive --inactive (default 15 s, flowexport's default) for
# flowexport and for softflowd (its tcp, udp, icmp and general timeouts;
# expiry checked every second); OVS's NetFlow has only the active timeout
# (60 s).  OVS's IPFIX has only one timeout, cache_active_timeout, set to
# --inactive, and cache_max_flows=1000000, so that it aggregates packets
# into flows as the others do (its defaults, 0 and 0, send one record per
# sampled packet),
# and input sampling only, so that it samples a packet once, when it
# enters the bridge, and not a second time when it leaves: that is
# other_config:enable-output-sampling=TRUE, because OVS 3.1's bridge.c
# reads the key inverted (!smap_get_bool(..., false)), contrary to its
# documentation ("false" or absent: output sampling on; "true": off).
# OVS's IPFIX multiplies the counters of a sampled packet by the sampling
# rate, so its exported totals are estimates.  Measured over the
# traffic only: forwarding rate (iperf3's received bits/s, or the packets
# at1's interface received), CPU of ovs-vswitchd (and of softflowd) from
# /proc/PID/stat (utime + stime; 100 % = one core), CPU of the whole host
# from /proc/stat, and the ratio of the rate to that of "off" in the same
# round.  CPU per forwarded packet (steady and churn, where the load is
# fixed): ovs-vswitchd's utime + stime over the traffic (plus softflowd's,
# which is 0 but for the softflowd configuration), in ns, divided by the
# IPv4 packets the "ip" rule counted during the traffic (its count before
# the traffic, read after pushing the datapath's statistics, subtracted:
# the setup's pings).  A configuration forwarded "in full" when that count
# equals the packets bench-flowgen sent; only then are its CPU figures
# comparable with the others', and the tables mark the rows and rounds
# that did not ("not in full").  Printed for each round with its ratio to
# "off" in the same round, and as the median over the rounds of each
# configuration with the ratio of that median to "off"'s median.
# After the traffic the script pushes the datapath's statistics
# (revalidator/purge) until the rules have counted every packet the ports
# received, waits (churn only) for the inactive timeout to expire the
# flows at the exporters' own pace, makes the exporter flush the rest
# (flowexport and OVS's IPFIX: "exit" /
# clearing the row flush the cache; OVS's NetFlow: the purge did;
# softflowd: softflowctl expire-all), stops nfcapd, and compares nfdump's
# packets (for OVS's IPFIX: flowexport-decode's, see below) with the "ip"
# rule's: "exported/forwarded".  Bytes: OVS's
# exporters count Ethernet frames, softflowd IP packets (14 bytes less a
# packet), so only packets are compared.
#
# With 2 CPUs or more, ovs-vswitchd and softflowd run on the last CPU and
# everything else on the others (taskset), unless --no-pin.
#
# --profile (long, steady, churn): also samples ovs-vswitchd with perf
# during the traffic (cpu-clock at 1999 Hz, with DWARF call chains,
# system-wide on the switch's CPUs, keeping ovs-vswitchd's samples: all
# its threads, also those it starts meanwhile; perf itself runs on the
# other CPUs), and gives the share of its samples with export code on the
# stack, i.e. its CPU spent in or under the exporter's functions (kernel
# time included, e.g. sending records): flowexport's own functions (the
# object files of ofproto-ext and of vswitchd-plugin's fx-*.c) for
# flowexport's ovs-vswitchd, those of OVS's netflow.c,
# ofproto-dpif-ipfix.c and collectors.c for OVS's.  The functions that
# stand in for OVS's own and call them (fx_plugin_* and __wrap_*, see
# vswitchd-plugin/fx-plugin.h) count only for the samples in their own
# code, not for those in the OVS function they call (e.g. bridge_run()).
# Names defined more than once in the binary are left out.  perf's
# sampling costs ovs-vswitchd some CPU too, the same for every
# configuration.  Unlike CPU per packet, this share does not depend on
# how the host's other load batches the packets, which on a small virtual
# machine varies the CPU per packet of one configuration by more than the
# export costs; it does not count indirect costs (cache lines the export
# takes from the datapath, extra main-loop wake-ups), so the tables also
# give ovs-vswitchd's context switches per second.  Needs perf (Debian's
# linux-perf).
#
# Programs come from the flowexport build directory (--builddir, by default
# the current directory if it is one, else _build of this tree) and the
# OVS build it was configured against (OVS's own ovs-vswitchd is
# OVS_BUILDDIR/vswitchd/ovs-vswitchd); all configurations share one
# database made with flowexport's schema (OVS's ovs-vswitchd ignores the
# columns it does not know).  Packages (iperf3, softflowd, nfdump) are
# installed with "setup.sh bench-deps" unless --no-deps.  Only processes
# this script started are stopped; only its own namespaces are touched.

set -e

usage () {
    sed -n '5,7p' "$0" | sed 's/^# //'
    echo "See the comment at the top of $0."
}

table=
seconds=
rounds=1
configs=
builddir=
keep=false
deps=true
streams=4
rate=
flows=1000000
inactive=
pin=true
pipeline=normal
profile=false
for arg in "$@"; do
    case $arg in
        long|steady|churn|scale) table=$arg ;;
        --seconds=*) seconds=${arg#--seconds=} ;;
        --rounds=*) rounds=${arg#--rounds=} ;;
        --configs=*) configs=${arg#--configs=} ;;
        --builddir=*) builddir=${arg#--builddir=} ;;
        --keep) keep=true ;;
        --no-deps) deps=false ;;
        --streams=*) streams=${arg#--streams=} ;;
        --rate=*) rate=${arg#--rate=} ;;
        --flows=*) flows=${arg#--flows=} ;;
        --inactive=*) inactive=${arg#--inactive=} ;;
        --no-pin) pin=false ;;
        --pipeline=normal|--pipeline=ct|--pipeline=ct-nat)
            pipeline=${arg#--pipeline=} ;;
        --profile) profile=true ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$0: unknown argument '$arg'" >&2; usage >&2; exit 1 ;;
    esac
done
if test -z "$table"; then
    echo "$0: which table? long, steady, churn or scale" >&2
    usage >&2
    exit 1
fi
case $table in
    long) : "${seconds:=20}" "${rate:=0}" "${inactive:=15}" ;;
    steady) : "${seconds:=20}" "${rate:=30000}" "${inactive:=15}" ;;
    churn) : "${seconds:=20}" "${rate:=20000}" "${inactive:=15}" ;;
    scale) : "${seconds:=40}" "${rate:=100000}" "${inactive:=60}" ;;
esac
ALL_CONFIGS="off off-stock fx-ipfix fx-v5 ovs-nf ovs-ipfix1 ovs-ipfix64 softflowd"
if test -z "$configs"; then
    if test $table = scale; then
        configs="off fx-ipfix ovs-nf"
    else
        configs=$ALL_CONFIGS
    fi
fi
configs=$(echo "$configs" | tr ',' ' ')
for c in $configs; do
    case " $ALL_CONFIGS " in
        *" $c "*) ;;
        *) echo "$0: unknown configuration '$c' (known: $ALL_CONFIGS)" >&2
           exit 1 ;;
    esac
done
for v in "$seconds" "$rounds" "$streams" "$flows" "$inactive"; do
    case $v in
        ''|*[!0-9]*|0) echo "$0: --seconds, --rounds, --streams, --flows, --inactive take positive integers" >&2
                       exit 1 ;;
    esac
done
case $rate in
    ''|*[!0-9]*) echo "$0: --rate takes an integer (0: no limit)" >&2; exit 1 ;;
esac

if test "$(id -u)" != 0; then
    echo "$0: must run as root (network namespaces)" >&2
    exit 1
fi
if ! ip netns list > /dev/null 2>&1; then
    echo "$0: 'ip netns' does not work here" >&2
    exit 1
fi

script_top=$(cd "$(dirname "$0")/.." && pwd)
traffic_py=$script_top/tests/fx-traffic.py
test -f "$traffic_py" || { echo "$0: $traffic_py not found" >&2; exit 1; }
if $deps; then
    "$script_top/setup.sh" bench-deps
fi
for p in iperf3 softflowd softflowctl nfcapd nfdump; do
    if ! command -v $p > /dev/null 2>&1; then
        echo "$0: $p not found (run '$script_top/setup.sh bench-deps')" >&2
        exit 1
    fi
done

is_builddir () {
    test -x "$1/vswitchd-plugin/ovs-vswitchd" && \
    test -x "$1/utilities/ovs-vsctl" && \
    test -x "$1/bench/bench-flowgen" && \
    test -f "$1/ovsdb-schema/vswitch.ovsschema"
}
if test -z "$builddir"; then
    for d in . "$script_top/_build"; do
        if is_builddir "$d"; then builddir=$d; break; fi
    done
    if test -z "$builddir"; then
        echo "$0: no flowexport build found (run it from the build directory, after make, or give --builddir)" >&2
        exit 1
    fi
fi
builddir=$(cd "$builddir" && pwd)
is_builddir "$builddir" || { echo "$0: $builddir is not a built flowexport tree (make)" >&2; exit 1; }
OVS_BUILDDIR=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile")
if test -z "$OVS_BUILDDIR" || test ! -x "$OVS_BUILDDIR/vswitchd/ovs-vswitchd"; then
    echo "$0: cannot find the Open vSwitch build (OVS_BUILDDIR='$OVS_BUILDDIR')" >&2
    exit 1
fi
PYTHON3=${PYTHON3:-python3}

dir=$(mktemp -d "${TMPDIR:-/tmp}/flowexport-e2e.XXXXXX")
# The programs, copied so that a concurrent "make" cannot swap them.
mkdir "$dir/bin" "$dir/bin-stock"
cp "$builddir/vswitchd-plugin/ovs-vswitchd" "$builddir/utilities/ovs-vsctl" \
   "$builddir/utilities/flowexport-decode" "$builddir/bench/bench-flowgen" \
   "$dir/bin/"
cp "$OVS_BUILDDIR/vswitchd/ovs-vswitchd" "$dir/bin-stock/"
FX_VSWITCHD=$dir/bin/ovs-vswitchd
OVS_VSWITCHD=$dir/bin-stock/ovs-vswitchd
FLOWGEN=$dir/bin/bench-flowgen
SCHEMA=$builddir/ovsdb-schema/vswitch.ovsschema
PATH=$dir/bin:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH
export PATH
OVS_CTL_TIMEOUT=30 OVS_SYSLOG_METHOD=null
export OVS_CTL_TIMEOUT OVS_SYSLOG_METHOD

# export_symbols BINARY OBJECT...: the functions the OBJECTs define, less
# the names BINARY defines more than once (which a profile cannot tell
# apart), one a line.
export_symbols () {
    local binary=$1
    shift
    nm --defined-only "$@" | awk 'NF == 3 && $2 ~ /^[tTwW]$/ {print $3}' |
        sort -u > "$dir/objects.syms"
    nm --defined-only "$binary" | awk 'NF == 3 && $2 ~ /^[tTwW]$/ {print $3}' |
        sort | uniq -d > "$dir/ambiguous.syms"
    comm -23 "$dir/objects.syms" "$dir/ambiguous.syms"
}
if $profile; then
    case $table in
        long|steady|churn) ;;
        *) echo "$0: --profile is for long, steady and churn" >&2; exit 1 ;;
    esac
    command -v perf > /dev/null 2>&1 \
        || { echo "$0: --profile needs perf (apt-get install linux-perf)" >&2; exit 1; }
    export_symbols "$FX_VSWITCHD" "$builddir"/ofproto-ext/fx-*.o \
        "$builddir"/vswitchd-plugin/fx-*.o > "$dir/fx.syms"
    export_symbols "$OVS_VSWITCHD" "$OVS_BUILDDIR"/ofproto/*-netflow.o \
        "$OVS_BUILDDIR"/ofproto/*-ofproto-dpif-ipfix.o \
        "$OVS_BUILDDIR"/ofproto/*-collectors.o > "$dir/ovs.syms"
    for f in fx ovs; do
        test -s "$dir/$f.syms" || { echo "$0: no export functions found for $f" >&2; exit 1; }
    done
fi

# CPUs: with 2 or more, ovs-vswitchd (and softflowd, an exporter too) get
# the last CPU to themselves, and everything else of this script (the
# traffic, the collectors, ovsdb-server) the others, so that the traffic
# generators do not take CPU time from the switch at random.
NCPU=$(nproc)
SWITCH_CPUS= OTHER_CPUS=
if $pin && test "$NCPU" -ge 2 && command -v taskset > /dev/null 2>&1; then
    SWITCH_CPUS=$((NCPU - 1))
    OTHER_CPUS=0-$((NCPU - 2))
    taskset -pc "$OTHER_CPUS" $$ > /dev/null
fi
# A prefix for the commands of the switch's CPUs (a simple command, so
# that $! of one run in the background is the program's own pid).
ON_SWITCH_CPUS=
test -z "$SWITCH_CPUS" || ON_SWITCH_CPUS="taskset -c $SWITCH_CPUS"

ns_prefix=fxe2e$$
OVSNS=$ns_prefix-ovs
AT0=$ns_prefix-at0
AT1=$ns_prefix-at1
NFCAPD_PORT=9995
CLK_TCK=$(getconf CLK_TCK)
bg_pids=
rundir=

cleanup () {
    local status=$?
    trap - EXIT INT TERM HUP
    stop_all
    cd /
    if $keep; then
        echo "run-e2e: files kept in $dir" >&2
    else
        rm -rf "$dir"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

say () { echo "run-e2e: $*" >&2; }
die () {
    echo "run-e2e: $*" >&2
    if test -n "$rundir"; then
        for log in ovs-vswitchd.log nfcapd.log softflowd.log; do
            if test -s "$rundir/$log"; then
                echo "--- last lines of $rundir/$log:" >&2
                tail -5 "$rundir/$log" >&2
            fi
        done
    fi
    exit 1
}
wait_for () {           # wait_for SECONDS COMMAND...
    local n=$(( $1 * 10 ))
    shift
    while ! "$@"; do
        n=$((n - 1))
        test $n -gt 0 || return 1
        sleep 0.1
    done
}
gone () { ! kill -0 "$1" 2>/dev/null; }

# Stops every process of the current setup (those whose pid files are in
# $rundir, and the background jobs of $bg_pids) and deletes its namespaces.
stop_all () {
    local pid pidfile
    for pid in $bg_pids; do
        kill "$pid" 2>/dev/null || true
    done
    bg_pids=
    if test -n "$rundir"; then
        for pidfile in "$rundir"/*.pid; do
            test -f "$pidfile" || continue
            pid=$(cat "$pidfile" 2>/dev/null) || continue
            case $pid in ''|*[!0-9]*) continue ;; esac
            kill "$pid" 2>/dev/null || true
            wait_for 5 gone "$pid" || kill -9 "$pid" 2>/dev/null || true
            rm -f "$pidfile"
        done
    fi
    for ns in "$AT0" "$AT1" "$OVSNS"; do
        ip netns del "$ns" 2>/dev/null || true
    done
}

# --- Counters ---------------------------------------------------------------

# rule MATCH: "PACKETS BYTES" of br0's rule "MATCH actions=".
rule () {
    ovs-ofctl dump-flows br0 | grep -F ", $1 actions=" |
        sed -n 's/.* n_packets=\([0-9]*\), n_bytes=\([0-9]*\),.*/\1 \2/p'
}
all_rules () {
    { rule priority=10,ip; rule priority=10,ipv6; rule priority=0; } |
        awk '{p += $1; b += $2} END {print p + 0, b + 0}'
}
ports_rx () {
    ovs-ofctl dump-ports br0 |
        sed -n 's/.*rx pkts=\([0-9]*\), bytes=\([0-9]*\),.*/\1 \2/p' |
        awk '{p += $1; b += $2} END {print p + 0, b + 0}'
}
# proc_ticks PID: utime + stime of process PID (all its threads), in clock
# ticks; 0 if there is no such process.
proc_ticks () {
    if test -n "$1" && test -r "/proc/$1/stat"; then
        sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
    else
        echo 0
    fi
}
rss_kb () {
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null
}
# host_ticks: "BUSY TOTAL" clock ticks of all CPUs since boot.
host_ticks () {
    awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9;
                  print busy, busy + $5 + $6; exit}' /proc/stat
}
# at1_rx: packets received by at1's interface.
at1_rx () {
    ip netns exec "$AT1" cat /sys/class/net/p1/statistics/rx_packets
}
now_ms () { date +%s%3N; }
# snapshot: "MS VSWITCHD_TICKS SOFTFLOWD_TICKS HOST_BUSY HOST_TOTAL AT1_RX"
snapshot () {
    echo "$(now_ms) $(proc_ticks "$vswitchd_pid") $(proc_ticks "$softflowd_pid") $(host_ticks) $(at1_rx)"
}
# measure "SNAPSHOT-BEFORE" "SNAPSHOT-AFTER": sets m_seconds, m_vswitchd
# and m_softflowd (% of one core), m_host (% of all cores), m_rx_pps, and
# m_cpu_ns (CPU time of ovs-vswitchd and softflowd together, in ns).
measure () {
    read -r m_seconds m_vswitchd m_softflowd m_host m_rx_pps m_cpu_ns <<<"$(
        echo "$1 $2" | awk -v tck="$CLK_TCK" '{
            s = ($7 - $1) / 1000;
            printf "%.2f %.1f %.1f %.1f %.0f %.0f\n", s,
                   100 * ($8 - $2) / tck / s, 100 * ($9 - $3) / tck / s,
                   100 * ($10 - $4) / ($11 - $5), ($12 - $6) / s,
                   ($8 - $2 + $9 - $3) * 1e9 / tck }')"
}
# ctx_switches PID: voluntary and involuntary context switches of all the
# threads of process PID (0 if there is no such process).
ctx_switches () {
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches:/ {n += $2} END {print n + 0}'
}

# profile_start: notes the context switches so far; with --profile,
# starts perf (see the top).
profile_start () {
    ctx_before=$(ctx_switches "$vswitchd_pid") ctx_ms=$(now_ms)
    $profile || return 0
    # System-wide (on the switch's CPUs, if pinned), then only the samples
    # of ovs-vswitchd's pid: "-p" would miss the threads it starts during
    # the traffic (flowexport's applier starts with the first full batch).
    local cpus=
    test -z "$SWITCH_CPUS" || cpus="-C $SWITCH_CPUS"
    perf record -q -e cpu-clock -F 1999 --call-graph dwarf,16384 \
        -a $cpus -o perf.data > perf.log 2>&1 &
    profile_pid=$!
    sleep 0.5
}
# profile_stop SYMBOLS: stops perf; adds to $extra the context switches
# per second and, with --profile, the samples and those with a function
# of file SYMBOLS on the stack (export_samples) and their share in %.
profile_stop () {
    local n_ctx
    n_ctx=$(( $(ctx_switches "$vswitchd_pid") - ctx_before ))
    extra="$extra ctx_per_s=$(awk -v n="$n_ctx" -v t="$(( $(now_ms) - ctx_ms ))" \
                                  'BEGIN {printf "%.0f", n * 1000 / (t ? t : 1)}')"
    $profile || return 0
    kill -INT "$profile_pid" 2>/dev/null || true
    wait "$profile_pid" 2>/dev/null || true
    local counts
    counts=$(perf script -i perf.data -F pid,tid,ip,sym --no-inline 2>/dev/null |
        awk -v syms="$1" -v pid="$vswitchd_pid" '
            BEGIN { while ((getline s < syms) > 0) fx[s] = 1 }
            # A sample: a header line "PID/TID", then its stack, innermost
            # first.  Only ovs-vswitchd'"'"'s samples count.
            /^[^\t]/ {
                split($1, id, "/")
                mine = id[1] == pid
                if (mine) n++
                depth = 0; decided = !mine
                next
            }
            /^$/ { next }
            !decided {
                depth++
                if ($2 in fx) {
                    decided = 1
                    if (depth == 1 || $2 !~ /^(fx_plugin_|__wrap_)/) k++
                }
            }
            END { printf "%d %d\n", n, k }')
    read -r p_all p_export <<<"$counts"
    test "${p_all:-0}" -gt 0 || die "perf recorded nothing (see $rundir/perf.log)"
    extra="$extra samples=$p_all export_samples=$p_export export_share=$(awk \
        -v k="$p_export" -v n="$p_all" 'BEGIN {printf "%.2f", 100 * k / n}')"
}
# profile_symbols CONFIG: the export functions of the ovs-vswitchd CONFIG runs.
profile_symbols () {
    case $1 in
        off-stock|ovs-*) echo "$dir/ovs.syms" ;;
        *) echo "$dir/fx.syms" ;;
    esac
}

# fx_counter REGEX: the value of the first counter whose name matches the
# awk REGEX in "ovs-appctl flowexport/counters br0" (the stable "NAME
# VALUE" form of flowexport/show, see ovs-flowexport(8)).
fx_counter () {
    ovs-appctl flowexport/counters br0 2>/dev/null \
        | awk -v re="$1" '$1 ~ re {print $2; exit}'
}
cache_flows () { fx_counter '^cache[.]flows$'; }
fx_records () { fx_counter '^exporter[.][^.]*[.]records$'; }
dp_flows () {
    ovs-appctl upcall/show 2>/dev/null | sed -n 's/.*flows *: (current \([0-9]*\)).*/\1/p' | head -1
}

# settle_rules: pushes the datapath's statistics to the rules
# (revalidator/purge) until all_rules stops changing, for at most 15 s;
# sets settled_rules to its last value.  Fails if they did not settle.
settle_rules () {
    local prev=
    settled_rules=
    settled () {
        ovs-appctl revalidator/purge > /dev/null
        settled_rules=$(all_rules)
        test "$settled_rules" = "$prev" && return 0
        prev=$settled_rules
        sleep 0.3
        return 1
    }
    wait_for 15 settled
}

# --- Setup ------------------------------------------------------------------

# start_switch CONFIG: namespaces, ovsdb-server, the ovs-vswitchd CONFIG
# needs, br0 and its rules, nfcapd, the export of CONFIG, the hosts.
start_switch () {
    local config=$1 vswitchd=$FX_VSWITCHD
    case $config in
        off-stock|ovs-*) vswitchd=$OVS_VSWITCHD ;;
    esac

    mkdir -p "$rundir"
    cd "$rundir"
    OVS_RUNDIR=$rundir OVS_LOGDIR=$rundir OVS_DBDIR=$rundir OVS_SYSCONFDIR=$rundir
    export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR
    vswitchd_pid= softflowd_pid= recorder_pid=

    for ns in "$OVSNS" "$AT0" "$AT1"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1
    done

    ovsdb-tool create conf.db "$SCHEMA"
    ovsdb-server --detach --no-chdir --pidfile -vconsole:off --log-file \
        --remote=punix:"$rundir"/db.sock conf.db || die "ovsdb-server failed"
    ovs-vsctl --no-wait init
    $ON_SWITCH_CPUS ip netns exec "$OVSNS" "$vswitchd" --disable-system \
        --detach --no-chdir \
        --pidfile -vconsole:off --log-file || die "ovs-vswitchd failed"
    vswitchd_pid=$(cat ovs-vswitchd.pid)
    ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev fail-mode=secure
    if test $pipeline = ct-nat; then
        ovs-ofctl add-flows br0 - <<EOF
priority=10,ip,actions=ct(table=1,zone=1,nat)
priority=10,ipv6,actions=NORMAL
priority=0,actions=NORMAL
table=1,priority=20,ct_state=+trk+new,udp,actions=ct(commit,zone=1,nat(src=10.1.200.1-10.1.200.250)),NORMAL
table=1,priority=10,ct_state=+trk+new,ip,actions=ct(commit,zone=1),NORMAL
table=1,priority=10,ct_state=+trk+est,ip,actions=NORMAL
table=1,priority=10,ct_state=+trk+rel,ip,actions=NORMAL
table=1,priority=0,actions=drop
EOF
    elif test $pipeline = ct; then
        ovs-ofctl add-flows br0 - <<EOF
priority=10,ip,actions=ct(table=1,zone=1)
priority=10,ipv6,actions=NORMAL
priority=0,actions=NORMAL
table=1,priority=10,ct_state=+trk+new,ip,actions=ct(commit,zone=1),NORMAL
table=1,priority=10,ct_state=+trk+est,ip,actions=NORMAL
table=1,priority=10,ct_state=+trk+rel,ip,actions=NORMAL
table=1,priority=0,actions=drop
EOF
    else
        ovs-ofctl add-flows br0 - <<EOF
priority=10,ip,actions=NORMAL
priority=10,ipv6,actions=NORMAL
priority=0,actions=NORMAL
EOF
    fi

    # The veths; the hosts' ends come up later.  OVS reads its ends with
    # AF_PACKET, so the hosts must not leave checksums (or segmentation)
    # to offloads: tests/fx-traffic.py txcsum-off.
    local n h
    for n in 0 1; do
        eval h=\$AT$n
        ip -n "$OVSNS" link add "ovs-p$n" type veth peer name "p$n" netns "$h"
        ip netns exec "$h" "$PYTHON3" "$traffic_py" txcsum-off "p$n"
        ip -n "$OVSNS" link set "ovs-p$n" up
        ovs-vsctl add-port br0 "ovs-p$n" -- set Interface "ovs-p$n" \
            ofport_request=$((n + 1))
        ip -n "$h" addr add "10.1.1.$((n + 1))/16" dev "p$n"
    done

    if test "$config" != off && test "$config" != off-stock; then
        mkdir nfcapd
        ip netns exec "$OVSNS" nfcapd -D -b 127.0.0.1 -p $NFCAPD_PORT \
            -w "$rundir/nfcapd" -B 16777216 -S 0 -t 3600 \
            -P "$rundir/nfcapd.pid" -I e2e > nfcapd.log 2>&1 \
            || die "nfcapd failed: $(cat nfcapd.log)"
        wait_for 10 test -s nfcapd.pid || die "nfcapd did not start"
    fi

    local target="\"127.0.0.1:$NFCAPD_PORT\""
    case $config in
        ovs-ipfix*)
            # nfdump 1.7 takes OVS's packetTotalCount for the packets of a
            # record, so the packets and bytes of OVS's IPFIX are counted
            # by flowexport-decode (packetDeltaCount, octetDeltaCount) from
            # what a second target recorded: OVS sends one record per
            # message, faster than flowexport-decode reads its socket.
            ip netns exec "$OVSNS" "$FLOWGEN" record 9996 "$rundir/ipfix.rec" \
                > recorder.log 2>&1 &
            recorder_pid=$!
            bg_pids="$bg_pids $recorder_pid"
            wait_for 10 grep -q listening recorder.log \
                || die "bench-flowgen record did not start"
            local port=9996
            target="$target,\"127.0.0.1:$port\""
            ;;
    esac
    local fx_timeouts="inactive_timeout=$inactive"
    case $config in
        fx-ipfix)
            ovs-vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
                targets="$target" obs_domain_id=1 cache_active_timeout=60 \
                $fx_timeouts > /dev/null ;;
        fx-v5)
            ovs-vsctl -- set Bridge br0 netflow=@n -- --id=@n create NetFlow \
                targets="$target" active_timeout=60 $fx_timeouts > /dev/null ;;
        ovs-nf)
            ovs-vsctl -- set Bridge br0 netflow=@n -- --id=@n create NetFlow \
                targets="$target" active_timeout=60 > /dev/null ;;
        ovs-ipfix1|ovs-ipfix64)
            ovs-vsctl -- set Bridge br0 ipfix=@i -- --id=@i create IPFIX \
                targets="$target" obs_domain_id=1 \
                sampling=${config#ovs-ipfix} cache_active_timeout=$inactive \
                cache_max_flows=1000000 \
                other_config:enable-output-sampling=true > /dev/null ;;
        softflowd)
            # -d: in the foreground (we keep its pid); -v 10: IPFIX.
            $ON_SWITCH_CPUS ip netns exec "$OVSNS" softflowd -d -i ovs-p0 -v 10 \
                -n 127.0.0.1:$NFCAPD_PORT -m 2000000 -B 16777216 \
                -t maxlife=60 -t expint=1 -t tcp=$inactive -t udp=$inactive \
                -t icmp=$inactive -t general=$inactive \
                -p "$rundir/softflowd.pid" \
                -c "$rundir/softflowd.ctl" > softflowd.log 2>&1 &
            softflowd_pid=$!
            bg_pids="$bg_pids $softflowd_pid"
            wait_for 10 test -S "$rundir/softflowd.ctl" \
                || die "softflowd did not start"
            ;;
    esac
    ovs-vsctl --timeout=10 wait-until Interface ovs-p0 ofport=1 > /dev/null
    ovs-vsctl --timeout=10 wait-until Interface ovs-p1 ofport=2 > /dev/null

    for n in 0 1; do
        eval h=\$AT$n
        ip -n "$h" link set "p$n" up
    done
    ip netns exec "$AT0" "$PYTHON3" "$traffic_py" ping 10.1.1.2 3 0.1 > /dev/null \
        || die "$config: at0 cannot ping at1"
}

# stop_switch CONFIG: stops the traffic (links down), makes the datapath
# push its statistics to the rules, the exporter flush its flows, stops
# everything; sets fwd_pkts fwd_bytes ("ip" rule), not_in_rules (packets
# the ports' rx counters have but no rule: lost before OVS), sock_drops
# (dropped by the kernel, OVS's sockets' buffers being full), dp_drops
# (dropped by OVS's datapath), upcall_fail (upcalls that failed),
# acc_pkts (flowexport's accounted packets or -), exp_flows exp_pkts
# exp_bytes (nfdump, or - without export).
stop_switch () {
    local config=$1 n h
    for n in 0 1; do
        eval h=\$AT$n
        ip -n "$h" link set "p$n" down
    done
    # Under load, the kernel counts packets on OVS's end of a veth that
    # never reach OVS (its AF_PACKET socket's buffer was full), so the
    # rules cannot be expected to reach the ports' rx counters: push the
    # statistics out until the rules stop changing.
    settle_rules || say "$config: rule counters did not settle"
    read -r fwd_pkts fwd_bytes <<<"$(rule priority=10,ip)"
    read -r rules_pkts rules_bytes <<<"$settled_rules"
    read -r rx_pkts rx_bytes <<<"$(ports_rx)"
    not_in_rules=$((rx_pkts - rules_pkts))
    acc_pkts=-
    if test $table = churn && test "$config" != off \
       && test "$config" != off-stock; then
        # Hundreds of thousands of short flows: let the exporters expire
        # them at their own pace, as they would in production, rather
        # than all at once below, in a burst that the collector's socket
        # buffer (net.core.rmem_max) cannot take.
        sleep $((inactive + 3))
    fi
    case $config in
        fx-*)
            ovs-appctl flowexport/show br0 > show.txt
            acc_pkts=$(fx_counter '^cache[.]packets$') ;;
        ovs-nf)
            # OVS's NetFlow exports a flow when the datapath flow's cache
            # entry is cleared, but only if it was built, which a purge does
            # not do for flows without new packets (a one-packet flow, for
            # example): those wait for the active timeout.  An active
            # timeout of 1 s makes the next netflow_run() export them all.
            ovs-vsctl set NetFlow "$(ovs-vsctl get Bridge br0 netflow)" \
                active_timeout=1
            sleep 3 ;;
        ovs-ipfix*)
            # Removing the exporter flushes OVS's IPFIX cache.
            ovs-vsctl clear Bridge br0 ipfix
            sleep 1 ;;
        softflowd)
            softflowctl -c "$rundir/softflowd.ctl" statistics \
                > softflowd-statistics.txt 2>&1 || true
            softflowctl -c "$rundir/softflowd.ctl" expire-all > /dev/null
            sleep 1
            softflowctl -c "$rundir/softflowd.ctl" shutdown > /dev/null || true
            wait_for 10 gone "$softflowd_pid" || die "softflowd did not exit"
            ;;
    esac
    # To tell where the packets of a run that was not forwarded in full
    # went: those the kernel dropped before OVS read them (its AF_PACKET
    # sockets' buffers were full: "d" of ss's skmem), and those OVS's
    # datapath dropped (its datapath_drop_* coverage counters, which also
    # count copies of packets that the sample action of OVS's IPFIX
    # discards, datapath_drop_sample_error, not drops of forwarded
    # packets).  Also the
    # upcalls that failed (dpctl/show's "lost"), which are not packets
    # lost: in the userspace datapath an upcall refused for the datapath
    # flow limit (ENOSPC) still forwards its packet, only without
    # installing a datapath flow; the others drop it, and count it in
    # datapath_drop_*.
    sock_drops=$(ip netns exec "$OVSNS" ss -0 -m -n -p -O 2>/dev/null |
        grep '"ovs-vswitchd"' | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p' |
        awk '{n += $1} END {print n + 0}')
    ovs-appctl dpctl/show > dpctl-show.txt 2>&1 || true
    ovs-appctl coverage/show > coverage.txt 2>&1 || true
    upcall_fail=$(sed -n 's/.* lost:\([0-9]*\).*/\1/p' dpctl-show.txt | head -1)
    dp_drops=$(awk '$1 ~ /^datapath_drop_/ {n += $NF} END {print n + 0}' \
                   coverage.txt)
    ovs-appctl -t ovs-vswitchd exit
    wait_for 60 gone "$vswitchd_pid" || die "ovs-vswitchd did not exit"
    rm -f ovs-vswitchd.pid

    # Datagrams the collectors' sockets dropped (buffer full).
    udp_drops=$(ip netns exec "$OVSNS" awk '/^Udp:/ {
        if (!n) {for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") n = i}
        else print $n}' /proc/net/snmp)

    exp_flows=- exp_pkts=- exp_bytes=-
    if test -f nfcapd.pid; then
        # nfcapd writes its file when it stops; give it the last messages.
        sleep 1
        local pid
        pid=$(cat nfcapd.pid)
        kill -TERM "$pid"
        wait_for 30 gone "$pid" || die "nfcapd did not exit"
        rm -f nfcapd.pid
        nfdump -R "$rundir/nfcapd" -I > nfdump.txt 2>&1 || true
        nfd () { sed -n "s/^$1: \([0-9]*\)\$/\1/p" nfdump.txt; }
        exp_flows=$(nfd Flows) exp_pkts=$(nfd Packets) exp_bytes=$(nfd Bytes)
        : "${exp_flows:=0}" "${exp_pkts:=0}" "${exp_bytes:=0}"
    fi
    nfdump_pkts=$exp_pkts nfdump_flows=$exp_flows
    if test -n "$recorder_pid"; then
        local summary
        kill -TERM "$recorder_pid"
        wait "$recorder_pid" || die "bench-flowgen record failed"
        recorder_pid=
        summary=$(flowexport-decode --read="$rundir/ipfix.rec" --summary | grep '^summary')
        exp_flows=$(echo "$summary" | sed -n 's/.* records=\([0-9]*\).*/\1/p')
        exp_pkts=$(echo "$summary" | sed -n 's/.* pkts=\([0-9]*\).*/\1/p')
        exp_bytes=$(echo "$summary" | sed -n 's/.* bytes=\([0-9]*\).*/\1/p')
    fi
    if grep -q -E '\|(ERR|EMER)\|' ovs-vswitchd.log; then
        say "$config: ovs-vswitchd.log has errors:"
        grep -E '\|(ERR|EMER)\|' ovs-vswitchd.log | head -3 >&2
    fi
    cd "$dir"
    stop_all
}

# exported_share: "exported/forwarded" packets as a percentage, or "-".
exported_share () {
    if test "$exp_pkts" = - || test "$fwd_pkts" = 0; then
        echo -
    else
        awk -v e="$exp_pkts" -v f="$fwd_pkts" 'BEGIN {
            if (e == f) print "100 % (exact)";
            else printf "%.2f %%\n", 100 * e / f }'
    fi
}

# --- Workloads --------------------------------------------------------------

# The workload of each table: sets rate (the forwarding figure: bits/s for
# long, packets/s for steady, churn and scale) and the m_* of measure, and
# prints extra "key=value" words for the raw line.

workload_long () {
    local before after
    ip netns exec "$AT1" iperf3 -s -1 -B 10.1.1.2 --forceflush > iperf3-server.log 2>&1 &
    bg_pids="$bg_pids $!"
    wait_for 10 grep -q 'Server listening' iperf3-server.log \
        || die "iperf3 server did not start"
    profile_start
    before=$(snapshot)
    ip netns exec "$AT0" iperf3 -c 10.1.1.2 -t "$seconds" -P "$streams" -J \
        > iperf3.json 2> iperf3.err || die "iperf3 failed: $(cat iperf3.err)"
    after=$(snapshot)
    profile_stop "$(profile_symbols "$config")"
    measure "$before" "$after"
    read -r rate retrans <<<"$("$PYTHON3" -c '
import json, sys
end = json.load(open(sys.argv[1]))["end"]
print(int(end["sum_received"]["bits_per_second"]),
      end["sum_sent"].get("retransmits", 0))' iperf3.json)"
    extra="$extra retransmits=$retrans"
}

# flowgen_fixed FLOWS: bench-flowgen cycles through FLOWS flows (0: every
# packet a new flow) at --rate for --seconds; also sets sent_pkts,
# sent_pps and ip_before (the "ip" rule's packets before the traffic: the
# setup's pings), from which the main loop computes CPU per packet.
flowgen_fixed () {
    local before after out mac
    ip netns exec "$AT1" "$FLOWGEN" sink 9 $((seconds + 30)) > sink.log 2>&1 &
    bg_pids="$bg_pids $!"
    wait_for 10 grep -q listening sink.log || die "sink did not start"
    mac=$(ip -n "$AT1" -o link show p1 | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
    settle_rules || die "rule counters did not settle before the traffic"
    ip_before=$(rule priority=10,ip | cut -d' ' -f1)
    profile_start
    before=$(snapshot)
    out=$(ip netns exec "$AT0" "$FLOWGEN" send p0 "$mac" 10.1.100.0 10.1.1.2 \
              --flows="$1" --rate="$rate" --seconds="$seconds") \
        || die "bench-flowgen failed"
    after=$(snapshot)
    profile_stop "$(profile_symbols "$config")"
    measure "$before" "$after"
    rate=$m_rx_pps
    sent_pkts=$(echo "$out" | sed -n 's/^sent=\([0-9]*\) .*/\1/p')
    sent_pps=$(echo "$out" | sed -n 's/.* pps=\([0-9]*\).*/\1/p')
    extra="$extra sent_pkts=$sent_pkts sent_pps=$sent_pps dp_flows=$(dp_flows) cache_flows=$(cache_flows)"
}

workload_steady () {
    flowgen_fixed "$streams"
}

workload_churn () {
    flowgen_fixed 0
}

workload_scale () {
    local before after mac t0 el
    ip netns exec "$AT1" "$FLOWGEN" sink 9 $((seconds + 60)) > sink.log 2>&1 &
    bg_pids="$bg_pids $!"
    wait_for 10 grep -q listening sink.log || die "sink did not start"
    mac=$(ip -n "$AT1" -o link show p1 | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
    local rss0
    rss0=$(rss_kb "$vswitchd_pid")
    before=$(snapshot)
    ip netns exec "$AT0" "$FLOWGEN" send p0 "$mac" 10.1.100.0 10.1.1.2 \
        --flows="$flows" --rate="$req_rate" --seconds="$seconds" > flowgen.out &
    local gen=$!
    bg_pids="$bg_pids $gen"
    t0=$(now_ms)
    rss_max=0 cache_max=0
    {
        printf '    %6s %9s %10s %9s %8s\n' t RSS_kB cache_flows dp_flows records
        while ! gone "$gen"; do
            el=$(( ($(now_ms) - t0) / 1000 ))
            local rss cf
            rss=$(rss_kb "$vswitchd_pid") cf=$(cache_flows)
            test "${rss:-0}" -gt $rss_max && rss_max=$rss
            test "${cf:-0}" -gt $cache_max && cache_max=$cf
            printf '    %5ss %9s %10s %9s %8s\n' "$el" "$rss" "${cf:--}" \
                "$(dp_flows)" "$(fx_records)"
            sleep 2
        done
    } >&2
    wait "$gen" || die "bench-flowgen failed"
    after=$(snapshot)
    measure "$before" "$after"
    rate=$m_rx_pps
    # With flowexport: times "ovs-appctl flowexport/flush", which ends
    # every cached flow and exports the records before it returns.
    local export_s=- export_rate=- rec0 rec t0
    if test "${cache_max:-0}" -gt 0; then
        rec0=$(fx_records) t0=$(now_ms)
        ovs-appctl flowexport/flush br0
        t1=$(now_ms) rec=$(fx_records)
        export_s=$(awk -v t="$((t1 - t0))" 'BEGIN {printf "%.2f", t / 1000}')
        export_rate=$(awk -v r="$((rec - rec0))" -v t="$((t1 - t0))" \
                          'BEGIN {printf "%.0f", r * 1000 / (t ? t : 1)}')
        say "flush: $((rec - rec0)) records in $export_s s"
    fi
    # RSS growth per flow: per cached flow with flowexport, else per flow
    # sent (at most --flows).
    local sent n_flows
    sent=$(sed -n 's/sent=\([0-9]*\).*/\1/p' flowgen.out)
    n_flows=$cache_max
    test "$n_flows" -gt 0 || n_flows=$((sent < flows ? sent : flows))
    local bpf
    bpf=$(awk -v a="$rss0" -v b="$rss_max" -v n="$n_flows" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}')
    extra="rss0_kb=$rss0 rss_max_kb=$rss_max cache_max=$cache_max rss_per_flow=$bpf sent=$sent export_s=$export_s export_rate=$export_rate"
}

# --- Main -------------------------------------------------------------------

req_rate=$rate
raw=
say "table $table, configurations: $configs; $rounds round(s) of $seconds s; files in $dir"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start_time=$(date +%s)
for round in $(seq "$rounds"); do
    for config in $configs; do
        rundir=$dir/$config.$round
        say "round $round: $config"
        start_switch "$config"
        rate=$req_rate
        extra=
        "workload_$table"
        stop_switch "$config"
        case $table in
            steady|churn)
                # The IPv4 packets forwarded during the traffic, whether
                # that is all bench-flowgen sent, and the CPU per packet.
                fwd_traffic=$((fwd_pkts - ip_before))
                in_full=no
                test "$fwd_traffic" = "$sent_pkts" && in_full=yes
                cpu_ns_pkt=$(awk -v c="$m_cpu_ns" -v n="$fwd_traffic" \
                    'BEGIN {if (n > 0) printf "%.1f", c / n; else print "-"}')
                extra="$extra fwd_traffic_pkts=$fwd_traffic in_full=$in_full cpu_ns=$m_cpu_ns cpu_ns_per_pkt=$cpu_ns_pkt"
                # With --profile, the export code's part of that: an
                # estimate from the samples, steadier than the total
                # when the machine's noise is larger than the difference.
                xs=$(sed -n 's/.* export_share=\([0-9.]*\).*/\1/p' <<<"$extra")
                if test -n "$xs"; then
                    extra="$extra export_ns_per_pkt=$(awk -v c="$cpu_ns_pkt" -v s="$xs" \
                        'BEGIN {if (c == "-") print "-"; else printf "%.1f", c * s / 100}')"
                fi
                ;;
        esac
        line="table=$table round=$round config=$config rate=$rate seconds=$m_seconds vswitchd_cpu=$m_vswitchd softflowd_cpu=$m_softflowd host_cpu=$m_host fwd_pkts=$fwd_pkts fwd_bytes=$fwd_bytes ports_rx_pkts=$rx_pkts rx_not_in_rules=$not_in_rules accounted_pkts=$acc_pkts exported_flows=$exp_flows exported_pkts=$exp_pkts exported_bytes=$exp_bytes nfdump_flows=$nfdump_flows nfdump_pkts=$nfdump_pkts collector_udp_drops=$udp_drops sock_drops=$sock_drops dp_drops=$dp_drops upcall_fail=${upcall_fail:--} $extra"
        echo "$line" >&2
        raw="$raw$line
"
    done
done
rundir=
end_time=$(date +%s)

# --- Report -----------------------------------------------------------------

# kv LINE KEY: the value of KEY=... in LINE.
kv () { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
# median CONFIG KEY: the median over the rounds of KEY for CONFIG.
median () {
    grep " config=$1 " <<<"$raw" | tr ' ' '\n' | sed -n "s/^$2=//p" |
        sort -g | awk '{v[NR] = $1} END {
            if (NR == 0) print "-";
            else if (NR % 2) print v[(NR + 1) / 2];
            else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
label () {
    case $1 in
        off) echo "(a) no export (flowexport's ovs-vswitchd)" ;;
        off-stock) echo "(a') no export (OVS's ovs-vswitchd)" ;;
        fx-ipfix) echo "(b) flowexport IPFIX" ;;
        fx-v5) echo "(c) flowexport NetFlow v5" ;;
        ovs-nf) echo "(d) OVS NetFlow v5" ;;
        ovs-ipfix1) echo "(e) OVS IPFIX sampling=1" ;;
        ovs-ipfix64) echo "(e) OVS IPFIX sampling=64" ;;
        softflowd) echo "(f) softflowd IPFIX on ovs-p0" ;;
    esac
}
# ratio A B: A / B to 3 decimals, or "-".
ratio () {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "-" || a == "" || b == "-" || b == "" || b == 0) print "-";
        else printf "%.3f\n", a / b }'
}
# fmt_ns NS: "NS ns", or "-".
fmt_ns () {
    case $1 in
        -|'') echo - ;;
        *) awk -v n="$1" 'BEGIN {printf "%.0f ns\n", n}' ;;
    esac
}
# in_full_summary CONFIG: in how many rounds CONFIG forwarded in full.
in_full_summary () {
    local n k
    n=$(grep -c " config=$1 " <<<"$raw")
    k=$(grep " config=$1 " <<<"$raw" | grep -c " in_full=yes " || true)
    if test "$k" = "$n"; then
        echo "yes ($k/$n rounds)"
    else
        echo "**not in full** ($k/$n rounds in full)"
    fi
}
# fmt_pct N: "N %", or "-".
fmt_pct () {
    case $1 in
        -|'') echo - ;;
        *) echo "$1 %" ;;
    esac
}
fmt_rate () {
    case $table in
        long) awk -v r="$1" 'BEGIN {printf "%.3f Gbit/s", r / 1e9}' ;;
        *) awk -v r="$1" 'BEGIN {printf "%.0f k pkt/s", r / 1e3}' ;;
    esac
}

base_rate=$(median off rate)
base_cpp=$(median off cpu_ns_per_pkt)
echo
echo "### Machine"
echo
echo "- nproc: $NCPU"
if test -n "$SWITCH_CPUS"; then
    echo "- CPUs: ovs-vswitchd and softflowd on $SWITCH_CPUS, the rest on $OTHER_CPUS"
else
    echo "- CPUs: not pinned"
fi
echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "- kernel: $(uname -sr)"
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), run time $((end_time - start_time)) s"
echo
case $table in
    long)
        echo "Command: \`bench/run-e2e.sh long --seconds=$seconds --streams=$streams --inactive=$inactive --rounds=$rounds --pipeline=$pipeline\`"
        echo
        echo "| configuration | iperf3 rate | vs (a) | ovs-vswitchd CPU | CPU per Gbit/s | export code's share | context switches/s | softflowd CPU | host CPU | rx lost before OVS | exported/forwarded packets |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        ;;
    steady)
        echo "Command: \`bench/run-e2e.sh steady --seconds=$seconds --streams=$streams --rate=$req_rate --inactive=$inactive --rounds=$rounds --pipeline=$pipeline\`"
        echo
        echo "Medians over the rounds; \"vs (a)\": the median CPU per forwarded packet against that of (a)."
        echo
        echo "| configuration | sent | delivered | in full | ovs-vswitchd CPU | CPU per forwarded packet | vs (a) | export code's share | export code per packet | context switches/s | softflowd CPU | host CPU | rx lost before OVS | exported/forwarded packets |"
        echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        ;;
    churn)
        echo "Command: \`bench/run-e2e.sh churn --seconds=$seconds --rate=$req_rate --inactive=$inactive --rounds=$rounds --pipeline=$pipeline\`"
        echo
        echo "Medians over the rounds; \"vs (a)\": the rate against that of (a); \"CPU vs (a)\": the median CPU per forwarded packet against that of (a)."
        echo
        echo "| configuration | sent | delivered (new flows/s) | vs (a) | in full | ovs-vswitchd CPU | CPU per forwarded packet | CPU vs (a) | export code's share | export code per packet | context switches/s | softflowd CPU | host CPU | rx lost before OVS | exported/forwarded packets |"
        echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        ;;
    scale)
        echo "Command: \`bench/run-e2e.sh scale --seconds=$seconds --flows=$flows --rate=$req_rate --inactive=$inactive --rounds=$rounds --pipeline=$pipeline\`"
        echo
        echo "| configuration | delivered | vs (a) | ovs-vswitchd CPU | flows in the cache (max) | RSS start | RSS max | RSS growth per flow | flush of the cache | exported/forwarded packets |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        ;;
esac
for config in $configs; do
    r=$(median "$config" rate)
    ratio=$(awk -v r="$r" -v b="$base_rate" 'BEGIN {
        if (b == "-" || b == 0) print "-"; else printf "%.3f\n", r / b }')
    # The last round's exactness (each round has its own).
    last=$(grep " config=$config " <<<"$raw" | tail -1)
    exp_pkts=$(kv "$last" exported_pkts) fwd_pkts=$(kv "$last" fwd_pkts)
    share=$(exported_share)
    vcpu="$(median "$config" vswitchd_cpu) %"
    scpu=-
    test "$config" = softflowd && scpu="$(median "$config" softflowd_cpu) %"
    hcpu="$(median "$config" host_cpu) %"
    xshare=$(fmt_pct "$(median "$config" export_share)")
    ctx=$(median "$config" ctx_per_s)
    lost=$(awk -v l="$(kv "$last" rx_not_in_rules)" -v r="$(kv "$last" ports_rx_pkts)" 'BEGIN {
        if (r == 0) print "-"; else printf "%.1f %%\n", 100 * l / r }')
    case $table in
        long)
            # ovs-vswitchd's (and softflowd's) CPU per Gbit/s forwarded.
            cpg=$(awk -v c="$(median "$config" vswitchd_cpu)" \
                      -v s="$(median "$config" softflowd_cpu)" -v r="$r" \
                      'BEGIN {printf "%.1f %%\n", (c + s) / (r / 1e9)}')
            echo "| $(label "$config") | $(fmt_rate "$r") | $ratio | $vcpu | $cpg | $xshare | $ctx | $scpu | $hcpu | $lost | $share |" ;;
        steady|churn)
            cpp=$(median "$config" cpu_ns_per_pkt)
            cratio=$(ratio "$cpp" "$base_cpp")
            full=$(in_full_summary "$config")
            xns=$(fmt_ns "$(median "$config" export_ns_per_pkt)")
            if test $table = steady; then
                echo "| $(label "$config") | $(fmt_rate "$(median "$config" sent_pps)") | $(fmt_rate "$r") | $full | $vcpu | $(fmt_ns "$cpp") | $cratio | $xshare | $xns | $ctx | $scpu | $hcpu | $lost | $share |"
            else
                echo "| $(label "$config") | $(fmt_rate "$(median "$config" sent_pps)") | $(fmt_rate "$r") | $ratio | $full | $vcpu | $(fmt_ns "$cpp") | $cratio | $xshare | $xns | $ctx | $scpu | $hcpu | $lost | $share |"
            fi ;;
        scale)
            echo "| $(label "$config") | $(fmt_rate "$r") | $ratio | $vcpu | $(kv "$last" cache_max) | $(kv "$last" rss0_kb) kB | $(kv "$last" rss_max_kb) kB | $(kv "$last" rss_per_flow) B | $(kv "$last" export_rate) records/s in $(kv "$last" export_s) s | $share |" ;;
    esac
done
case $table in
    steady|churn)
        # Round by round: CPU per forwarded packet, against "off" of the
        # same round.
        echo
        echo "CPU per forwarded packet (ovs-vswitchd's, plus softflowd's for (f)), round by round; \"vs (a)\": against (a) of the same round:"
        echo
        echo "| round | configuration | sent packets | forwarded packets | in full | ovs-vswitchd CPU | CPU per forwarded packet | vs (a) | export code's share | export code per packet | context switches/s | exported/forwarded packets |"
        echo "|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"
        for round in $(seq "$rounds"); do
            off_line=$(grep "^table=$table round=$round config=off " <<<"$raw" || true)
            off_cpp=-
            test -z "$off_line" || off_cpp=$(kv "$off_line" cpu_ns_per_pkt)
            for config in $configs; do
                line=$(grep "^table=$table round=$round config=$config " <<<"$raw")
                cpp=$(kv "$line" cpu_ns_per_pkt)
                full=$(kv "$line" in_full)
                test "$full" = yes || full="**not in full** ($(awk \
                    -v f="$(kv "$line" fwd_traffic_pkts)" \
                    -v s="$(kv "$line" sent_pkts)" 'BEGIN {
                        if (s > 0) printf "%.2f %%", 100 * f / s;
                        else print "nothing sent" }'))"
                exp_pkts=$(kv "$line" exported_pkts) fwd_pkts=$(kv "$line" fwd_pkts)
                echo "| $round | $(label "$config") | $(kv "$line" sent_pkts) | $(kv "$line" fwd_traffic_pkts) | $full | $(kv "$line" vswitchd_cpu) % | $(fmt_ns "$cpp") | $(ratio "$cpp" "$off_cpp") | $(fmt_pct "$(kv "$line" export_share)") | $(fmt_ns "$(kv "$line" export_ns_per_pkt)") | $(kv "$line" ctx_per_s) | $(exported_share) |"
            done
        done
        ;;
esac
echo
echo "Raw output (one line per configuration and round):"
echo
echo '```'
printf '%s' "$raw"
echo '```'
