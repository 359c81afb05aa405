#! /bin/bash
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
#
# tests/check-host.sh DEB   (root; "./setup.sh check-host" builds DEB)
#
# Tests the package openvswitch-switch-flowexport as an operator would use
# it, on this host: Debian's openvswitch-switch installed with apt and
# started by Debian's own init script and ovs-ctl, a bridge on the
# userspace datapath with two hosts in network namespaces, our package
# installed over it (the database converted online, keeping the bridge),
# IPFIX configured with ovs-vsctl, traffic, nfdump as the judge; then
# "ovs-ctl restart", a reinstall of the package and its removal, after
# each of which the configuration, the bridge and the export (or, after
# removal, stock Open vSwitch forwarding on the same bridge) are checked.
#
# Two things are made to pass for the test only, and said so:
#   - these machines have no openvswitch kernel module (nor modprobe
#     support): a stub "modprobe" first on PATH lets ovs-ctl's module step
#     pass; the bridge uses the userspace datapath, which needs no module;
#   - the machine's /usr/sbin/policy-rc.d (Docker's) forbids every service
#     action in maintainer scripts: while the test runs it is replaced by
#     one that allows openvswitch-switch only, so that the packages'
#     maintainer scripts restart Open vSwitch as they would on a host.
#
# The host is left as it was found: daemons stopped, our package purged,
# openvswitch-switch and whatever apt installed with it purged again if it
# was not installed before, /etc/openvswitch, /var/lib/openvswitch and
# policy-rc.d restored, namespaces deleted.  It refuses to run if
# Open vSwitch daemons already run here or our package is installed.

set -e -o pipefail

PKG=openvswitch-switch-flowexport
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BR=fxhbr0
NS_A=fxh-a NS_B=fxh-b
IP_A=10.77.0.1 IP_B=10.77.0.2
OVS_CTL=/usr/share/openvswitch/scripts/ovs-ctl
RUNDIR=/var/run/openvswitch
export DEBIAN_FRONTEND=noninteractive

say () { echo "check-host: $*"; }
fail () { echo "check-host: FAILED: $*" >&2; exit 1; }
step () { echo; echo "check-host: === $* ==="; }

test $# = 1 || { echo "usage: $0 DEB" >&2; exit 2; }
deb=$(readlink -f "$1")
test -f "$deb" || fail "no package $1"
test "$(id -u)" = 0 || fail "must run as root"

running () {
    test -s "$RUNDIR/$1.pid" && kill -0 "$(cat "$RUNDIR/$1.pid")" 2>/dev/null
}
installed () {
    case $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) in
        ii*) return 0 ;;
        *) return 1 ;;
    esac
}
for d in ovsdb-server ovs-vswitchd; do
    ! running $d || fail "a system $d is running: not touching this host"
done
! installed $PKG || fail "$PKG is installed already: not touching this host"
for ns in $NS_A $NS_B; do
    ! ip netns list | grep -qw "$ns" || fail "namespace $ns exists"
done

work=$(mktemp -d /tmp/fx-check-host.XXXXXX)
say "working in $work"
dpkg-query -W -f='${Package}\n' | sort > "$work/packages.before"
had_ovs=false
installed openvswitch-switch && had_ovs=true
tar -C / -cf "$work/ovs-state.tar" --ignore-failed-read \
    etc/openvswitch var/lib/openvswitch 2>/dev/null || true
policy=/usr/sbin/policy-rc.d
# The userspace datapath makes tap devices ovs-netdev and one per bridge:
# remove those we make.
had_ovs_netdev=false
ip link show ovs-netdev > /dev/null 2>&1 && had_ovs_netdev=true
if test -e $policy; then cp -p $policy "$work/policy-rc.d.orig"; fi

cleanup () {
    local status=$?
    set +e
    step "cleaning up"
    kill "$(cat "$work/nfcapd.pid" 2>/dev/null)" 2>/dev/null
    if running ovs-vswitchd; then
        ovs-vsctl --timeout=10 --if-exists del-br $BR
    fi
    if test -x $OVS_CTL; then
        PATH=$work/bin:$PATH $OVS_CTL stop > /dev/null 2>&1
    fi
    for d in ovs-vswitchd ovsdb-server; do
        running $d && kill "$(cat "$RUNDIR/$d.pid")"
    done
    ip netns del $NS_A 2>/dev/null
    ip netns del $NS_B 2>/dev/null
    ip link del $BR 2>/dev/null
    $had_ovs_netdev || ip link del ovs-netdev 2>/dev/null
    if installed $PKG || dpkg -s $PKG > /dev/null 2>&1; then
        dpkg --purge $PKG > /dev/null 2>&1
    fi
    if ! $had_ovs; then
        # Purge what this test installed, openvswitch-switch and its
        # dependencies.
        dpkg-query -W -f='${Package}\n' | sort > "$work/packages.after"
        local new
        new=$(comm -13 "$work/packages.before" "$work/packages.after")
        if test -n "$new"; then
            # shellcheck disable=SC2086
            apt-get purge -y -q $new > "$work/purge.log" 2>&1 \
                || { echo "check-host: apt-get purge failed:"; cat "$work/purge.log"; }
        fi
        rm -rf /etc/openvswitch /var/lib/openvswitch /var/log/openvswitch \
               $RUNDIR
    fi
    if test -s "$work/ovs-state.tar"; then
        tar -C / -xf "$work/ovs-state.tar"
    fi
    if test -e "$work/policy-rc.d.orig"; then
        cp -p "$work/policy-rc.d.orig" $policy
    else
        rm -f $policy
    fi
    # Nothing of ours may be left.
    if update-alternatives --query ovs-vswitchd 2>/dev/null | grep -q "$PKG"; then
        echo "check-host: an ovs-vswitchd alternative still points at $PKG"
        status=1
    fi
    if dpkg-divert --list | grep -q "$PKG"; then
        echo "check-host: diversions of $PKG are left"
        status=1
    fi
    if test $status = 0; then
        rm -rf "$work"
        say "PASSED (host restored)"
    else
        say "FAILED; files kept in $work"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The stub modprobe (see above).
mkdir -p "$work/bin"
cat > "$work/bin/modprobe" <<EOF
#! /bin/sh
echo "stub modprobe \$*" >> "$work/modprobe.log"
exit 0
EOF
chmod +x "$work/bin/modprobe"
PATH=$work/bin:$PATH
export PATH

# policy-rc.d that allows openvswitch-switch only (see above).
cat > $policy <<'EOF'
#! /bin/sh
# Written by flowexport's tests/check-host.sh while it runs.
case "$1" in
    openvswitch-switch) exit 0 ;;
    *) exit 101 ;;
esac
EOF
chmod +x $policy

# wait_for SECONDS COMMAND...
wait_for () {
    local n=$(( $1 * 10 ))
    shift
    until "$@"; do
        n=$((n - 1))
        test $n -gt 0 || return 1
        sleep 0.1
    done
}

traffic () {
    ip netns exec $NS_A python3 "$SRCDIR/tests/fx-traffic.py" ping $IP_B "$1" 0.05
}

# nfdump_icmp_packets: total packets of the ICMP flows between the two
# hosts that nfcapd has written so far (fails if nfdump complains).
nfdump_icmp_packets () {
    # nfcapd writes a file per rotation (-t 2); -R reads the directory's
    # files (nfdump refuses an empty list).
    if ! ls "$work/nfcapd" | grep -q '^nfcapd\.[0-9]'; then
        echo 0
        return 0
    fi
    nfdump -R "$work/nfcapd" -q -N -o 'fmt:%pkt' \
        "proto icmp and host $IP_A and host $IP_B" 2> "$work/nfdump.err" \
        | awk '{p += $1} END {print p + 0}'
    test ! -s "$work/nfdump.err" || { cat "$work/nfdump.err" >&2; return 1; }
}

# exports N: sends N echoes and replies and checks that nfdump gets them
# (2N ICMP packets more than before) from ovs-vswitchd.
exports () {
    local before after
    before=$(nfdump_icmp_packets)
    traffic "$1"
    ovs-appctl revalidator/wait > /dev/null
    ovs-appctl flowexport/flush $BR > /dev/null
    # nfcapd writes a file when it rotates (-t 2) or exits.
    exported () {
        after=$(nfdump_icmp_packets)
        test "$after" = $((before + 2 * $1))
    }
    wait_for 20 exported "$1" \
        || fail "nfdump: $after ICMP packets, expected $((before + 2 * $1))"
    say "nfdump: ICMP packets $before -> $after (+$((2 * $1)))"
}

schema_version () {
    ovsdb-client get-schema-version unix:$RUNDIR/db.sock Open_vSwitch
}

# ours: the running ovs-vswitchd is flowexport's.
ours () {
    ovs-appctl list-commands | grep -q 'flowexport/counters'
}

# diverted_by PATH: the package that diverts PATH, if any.
diverted_by () {
    dpkg-divert --listpackage "$1"
}

schema_file_version () {
    ovsdb-tool schema-version /usr/share/openvswitch/vswitch.ovsschema
}

check_config_kept () {
    ovs-vsctl br-exists $BR || fail "bridge $BR is gone"
    test "$(ovs-vsctl list-ports $BR | tr '\n' ' ')" = "fxh-a0 fxh-b0 " \
        || fail "ports of $BR: $(ovs-vsctl list-ports $BR)"
    test "$(ovs-vsctl get Bridge $BR external_ids:owner | tr -d '"')" = check-host \
        || fail "Bridge external_ids lost"
}

step "Debian's openvswitch-switch (apt-get install)"
if $had_ovs; then
    say "openvswitch-switch is installed already"
else
    apt-get install -y -q openvswitch-switch > "$work/apt.log" 2>&1 \
        || { cat "$work/apt.log"; fail "apt-get install openvswitch-switch"; }
fi
ovs_version=$(dpkg-query -W -f='${Version}' openvswitch-switch)
want=$(dpkg-deb -f "$deb" Depends | sed -n 's/.*openvswitch-switch (= \([^)]*\)).*/\1/p')
say "openvswitch-switch $ovs_version; $PKG depends on $want"
test "$ovs_version" = "$want" || fail "version mismatch"

step "start with Debian's init script (ovs-ctl)"
/etc/init.d/openvswitch-switch start
running ovsdb-server && running ovs-vswitchd || fail "Open vSwitch did not start"
ours && fail "stock ovs-vswitchd knows flowexport/counters?"
say "stock Open vSwitch runs, schema $(schema_version)"

step "bridge $BR (userspace datapath), hosts $NS_A and $NS_B"
ovs-vsctl add-br $BR -- set Bridge $BR datapath_type=netdev \
    external_ids:owner=check-host
for h in a b; do
    ns=fxh-$h
    ip netns add "$ns"
    ip link add "fxh-${h}0" type veth peer name eth0 netns "$ns"
    sysctl -q -w "net.ipv6.conf.fxh-${h}0.disable_ipv6=1"
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" python3 "$SRCDIR/tests/fx-traffic.py" txcsum-off eth0
    ip link set "fxh-${h}0" up
    ovs-vsctl add-port $BR "fxh-${h}0"
    ip -n "$ns" link set lo up
done
ip -n $NS_A addr add $IP_A/24 dev eth0
ip -n $NS_B addr add $IP_B/24 dev eth0
ip -n $NS_A link set eth0 up
ip -n $NS_B link set eth0 up
wait_for 10 traffic 1 || fail "stock Open vSwitch does not forward"
say "stock Open vSwitch forwards between the hosts"

step "install $PKG over the running Open vSwitch (dpkg -i)"
dpkg -i "$deb" 2>&1 | tee "$work/install.log"
wait_for 30 running ovs-vswitchd || fail "ovs-vswitchd not running"
test "$(schema_version)" = 8.3.1001 || fail "schema $(schema_version)"
wait_for 30 ours || fail "the running ovs-vswitchd is not flowexport's"
test "$(readlink -f /usr/sbin/ovs-vswitchd)" = /usr/lib/$PKG/ovs-vswitchd \
    || fail "alternative: $(readlink -f /usr/sbin/ovs-vswitchd)"
for f in /usr/bin/ovs-vsctl /usr/share/openvswitch/vswitch.ovsschema; do
    test "$(diverted_by $f)" = $PKG || fail "$f is not diverted"
done
test "$(schema_file_version)" = 8.3.1001 || fail "schema file $(schema_file_version)"
check_config_kept
say "database converted online, bridge and ports kept, ovs-vswitchd is ours"

step "IPFIX to nfcapd, configured with ovs-vsctl"
mkdir "$work/nfcapd"
nfcapd_port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
nfcapd -D -b 127.0.0.1 -p "$nfcapd_port" -w "$work/nfcapd" -t 2 \
    -P "$work/nfcapd.pid" > "$work/nfcapd.log" 2>&1
wait_for 10 test -s "$work/nfcapd.pid" || fail "nfcapd did not start"
ovs-vsctl -- set Bridge $BR ipfix=@i \
    -- --id=@i create IPFIX targets=\"127.0.0.1:$nfcapd_port\" \
       inactive_timeout=2 template_interval=1
wait_for 10 test "$(ovs-appctl flowexport/counters $BR 2>/dev/null | awk '$1 == "config_errors" {print $2}')" = 0 \
    || fail "flowexport/counters $BR: $(ovs-appctl flowexport/counters $BR 2>&1)"
exports 5

step "ovs-ctl restart: our columns kept, still exporting"
$OVS_CTL restart --system-id=random
wait_for 30 ours || fail "after restart, ovs-vswitchd is not ours"
test "$(schema_version)" = 8.3.1001 || fail "schema $(schema_version)"
test "$(ovs-vsctl get IPFIX . inactive_timeout template_interval | tr '\n' ' ')" = "2 1 " \
    || fail "IPFIX columns after restart: $(ovs-vsctl list IPFIX)"
check_config_kept
exports 4

step "reinstall $PKG (dpkg -i again, the upgrade path)"
dpkg -i "$deb" 2>&1 | tee "$work/reinstall.log"
wait_for 30 ours || fail "after reinstall, ovs-vswitchd is not ours"
test "$(ovs-vsctl get IPFIX . inactive_timeout template_interval | tr '\n' ' ')" = "2 1 " \
    || fail "IPFIX columns after reinstall: $(ovs-vsctl list IPFIX)"
check_config_kept
exports 3

step "remove $PKG (dpkg -r): back to stock Open vSwitch"
dpkg -r $PKG 2>&1 | tee "$work/remove.log"
grep -q "flowexport's columns are dropped" "$work/remove.log" \
    || fail "removal did not say what it dropped"
grep -q '^  IPFIX: .*inactive_timeout' "$work/remove.log" \
    || fail "removal did not name the IPFIX columns it dropped"
test "$(schema_version)" = 8.3.1 || fail "schema $(schema_version) after removal"
test "$(readlink -f /usr/sbin/ovs-vswitchd)" = /usr/lib/openvswitch-switch/ovs-vswitchd \
    || fail "alternative: $(readlink -f /usr/sbin/ovs-vswitchd)"
for f in /usr/bin/ovs-vsctl /usr/share/openvswitch/vswitch.ovsschema; do
    test -z "$(diverted_by $f)" || fail "$f is still diverted"
    test -e $f || fail "$f is gone"
done
test "$(schema_file_version)" = 8.3.1 || fail "schema file $(schema_file_version)"
# Open vSwitch's ovs-vsctl does not know our columns.
! ovs-vsctl get IPFIX . inactive_timeout 2> /dev/null \
    || fail "ovs-vsctl still knows inactive_timeout"
wait_for 30 running ovs-vswitchd || fail "ovs-vswitchd not running after removal"
ours && fail "ovs-vswitchd is still flowexport's after removal"
check_config_kept
wait_for 10 traffic 3 || fail "stock Open vSwitch does not forward after removal"
say "stock Open vSwitch runs the same bridge and forwards"

step "purge $PKG: Open vSwitch keeps working"
dpkg --purge $PKG
test ! -e /var/lib/$PKG || fail "/var/lib/$PKG left after purge"
running ovs-vswitchd && running ovsdb-server || fail "Open vSwitch stopped"
check_config_kept
traffic 2 || fail "no forwarding after purge"
say "all checks passed"
