#! /bin/bash
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
#
# The one entry point on a fresh Debian 12 machine (as root):
#
#   ./setup.sh deps    install the Debian packages the build and tests need
#   ./setup.sh build   deps, then boot.sh, configure (in _build) and make
#   ./setup.sh check   build, then run the test suite
#   ./setup.sh demo    build, then run utilities/flowexport-demo
#   ./setup.sh check-sanitizers
#                      the test suite again, built with AddressSanitizer,
#                      UndefinedBehaviorSanitizer and LeakSanitizer (OVS in
#                      _ovs-san, flowexport in _build-san); fails on any
#                      sanitizer report
#   ./setup.sh fuzz [SECONDS]
#                      build the libFuzzer targets of tests/fuzz (clang,
#                      against _ovs-san) in _build-fuzz and run each for
#                      SECONDS (default 60); fails on any crash
#   ./setup.sh deb     build, then the Debian package
#                      openvswitch-switch-flowexport (dpkg-buildpackage -b,
#                      reusing _ovs) into _deb/, checked with lintian
#   ./setup.sh check-host
#                      (root) deb, then install it on this host beside
#                      Debian's openvswitch-switch and test it as an
#                      operator would (tests/check-host.sh); leaves the
#                      host as it found it
#   ./setup.sh bench-deps
#                      deps, plus what bench/run-e2e.sh needs (iperf3,
#                      softflowd, linux-perf) and flowexport-soak
#                      --heaptrack (heaptrack)
#
# Every step is skipped when already done, so running it again is cheap.
# Environment: FX_CONFIGURE_FLAGS (extra arguments for configure, used when
# _build is first configured), TESTSUITEFLAGS (extra testsuite arguments).
set -e

cd "$(dirname "$(readlink -f "$0")")"

PACKAGES="
    openvswitch-source
    build-essential autoconf automake libtool pkg-config
    python3 libssl-dev libcap-ng-dev libunbound-dev
    nfdump tshark libfixbuf-tools pmacct
    iproute2 procps psmisc file
    debhelper dpkg-dev lintian
    libasan8 libubsan1 clang-14 libclang-rt-14-dev
"
# Only for the end-to-end benchmarks (bench/run-e2e.sh, linux-perf for its
# --profile) and the soak's heap profile (utilities/flowexport-soak
# --heaptrack).
BENCH_PACKAGES="
    iperf3 softflowd heaptrack linux-perf
"
BUILDDIR=_build

# The sanitizer build: OVS and flowexport both compiled with these flags.
OVS_TARBALL=${OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
SAN_CFLAGS='-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer'
SAN_CFLAGS="$SAN_CFLAGS -fno-sanitize-recover=undefined"
SAN_OVSDIR=_ovs-san
SAN_BUILDDIR=_build-san
FUZZ_OUTDIR=_build-fuzz
FUZZ_TARGETS='decode records target options'

say () {
    echo "setup.sh: $*"
}

njobs () {
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
}

# install_packages PACKAGE...: installs those of the Debian packages that
# are missing.
install_packages () {
    local missing='' p
    for p in "$@"; do
        case $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) in
            ii*) ;;
            *) missing="$missing $p" ;;
        esac
    done
    if test -z "$missing"; then
        say "all required Debian packages are installed"
        return 0
    fi
    say "installing:$missing"
    local sudo=
    if test "$(id -u)" != 0; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=sudo
        else
            say "missing packages and not root: run '$0 ${STEP:-deps}' as root" >&2
            exit 1
        fi
    fi
    $sudo apt-get update
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends $missing
}

do_deps () {
    # shellcheck disable=SC2086
    install_packages $PACKAGES
}

do_bench_deps () {
    # shellcheck disable=SC2086
    install_packages $PACKAGES $BENCH_PACKAGES
}

do_boot () {
    # boot.sh, if configure is missing or older than what it is made from.
    local stale=false f
    if test ! -f configure || test ! -f Makefile.in; then
        stale=true
    else
        for f in configure.ac Makefile.am */automake.mk m4/fx-*.m4; do
            if test "$f" -nt configure || test "$f" -nt Makefile.in; then
                stale=true
                break
            fi
        done
    fi
    if $stale; then
        say "generating configure (boot.sh)"
        ./boot.sh
    fi
}

do_build () {
    do_deps
    do_boot

    if test ! -f "$BUILDDIR/config.status" || test ! -f "$BUILDDIR/Makefile"; then
        say "configuring in $BUILDDIR${FX_CONFIGURE_FLAGS:+ with $FX_CONFIGURE_FLAGS}"
        say "(the first time, this builds Open vSwitch from openvswitch-source into _ovs: a few minutes)"
        mkdir -p "$BUILDDIR"
        # shellcheck disable=SC2086
        (cd "$BUILDDIR" && ../configure ${FX_CONFIGURE_FLAGS:-})
    fi

    say "building in $BUILDDIR"
    make -C "$BUILDDIR" -j"$(njobs)"
    say "build done"
}

do_check () {
    do_build
    say "running the test suite"
    make -C "$BUILDDIR" check TESTSUITEFLAGS="-j$(njobs) ${TESTSUITEFLAGS:-}"
    say "test suite passed"
}

# Builds OVS with the sanitizers into $SAN_OVSDIR, once (about 2 minutes on
# 2 cores).
build_ovs_san () {
    say "building Open vSwitch with sanitizers in $SAN_OVSDIR (once)"
    FX_OVS_CONFIGURE_FLAGS="CFLAGS='$SAN_CFLAGS'" \
        utilities/fx-build-ovs "$OVS_TARBALL" "$PWD/$SAN_OVSDIR"
}

# Builds OVS with the sanitizers into $SAN_OVSDIR (once) and flowexport
# against it in $SAN_BUILDDIR.
do_build_san () {
    do_deps
    do_boot

    build_ovs_san

    if test ! -f "$SAN_BUILDDIR/config.status" \
       || test ! -f "$SAN_BUILDDIR/Makefile"; then
        say "configuring in $SAN_BUILDDIR with sanitizers"
        mkdir -p "$SAN_BUILDDIR"
        (cd "$SAN_BUILDDIR" && \
         ../configure --with-ovs-source="$PWD/../$SAN_OVSDIR/src" \
                      --with-ovs-build="$PWD/../$SAN_OVSDIR/build" \
                      CFLAGS="$SAN_CFLAGS")
    fi

    say "building in $SAN_BUILDDIR"
    make -C "$SAN_BUILDDIR" -j"$(njobs)"
    say "sanitizer build done"
}

do_check_sanitizers () {
    do_build_san

    # Reports are written into each test's directory (tests/atlocal.in sets
    # log_path), which the testsuite keeps only for tests that failed; a
    # test that finds a report in its directory fails (OVS's ovs_cleanup).
    # Start from a clean slate so that old reports are not counted.
    local suitedir=$SAN_BUILDDIR/tests/testsuite.dir
    rm -rf "$suitedir"
    say "running the test suite with sanitizers"
    local status=0
    make -C "$SAN_BUILDDIR" check \
         TESTSUITEFLAGS="-j$(njobs) ${TESTSUITEFLAGS:-}" || status=$?

    local reports
    reports=$(find "$suitedir" -type f \
                   \( -name 'asan.*' -o -name 'ubsan.*' \) 2>/dev/null | sort)
    if test -n "$reports"; then
        local f
        for f in $reports; do
            echo "==== $f"
            cat "$f"
        done
        say "sanitizer reports:" $reports >&2
        exit 1
    fi
    if test $status != 0; then
        say "test suite with sanitizers failed" >&2
        exit $status
    fi
    say "test suite with sanitizers passed, no sanitizer reports"
}

# Builds the libFuzzer targets and runs each for $1 seconds (default 60).
do_fuzz () {
    local seconds=${1:-60}
    case $seconds in
        ''|*[!0-9]*) say "fuzz: SECONDS must be a number, not '$seconds'" >&2
                     exit 1 ;;
    esac
    do_deps
    build_ovs_san
    say "building the fuzz targets in $FUZZ_OUTDIR"
    tests/fuzz/build.sh "$PWD/$SAN_OVSDIR/src" "$PWD/$SAN_OVSDIR/build" \
                        "$FUZZ_OUTDIR"
    python3 tests/fuzz/make-seeds.py "$FUZZ_OUTDIR/seeds"

    local t failed=
    for t in $FUZZ_TARGETS; do
        local corpus=$FUZZ_OUTDIR/corpus/$t
        local artifacts=$FUZZ_OUTDIR/artifacts/$t/
        mkdir -p "$corpus" "$artifacts"
        say "fuzzing $t for $seconds s (corpus $corpus)"
        # New inputs go into the first directory, which persists between
        # runs; crashes are saved in $artifacts.  Inputs that once crashed
        # a target (tests/fuzz/regress/TARGET, fixed since) run first, in
        # every run.
        local regress=
        test -d "tests/fuzz/regress/$t" && regress=tests/fuzz/regress/$t
        if ! env ASAN_OPTIONS="${FUZZ_ASAN_OPTIONS:-}" \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                 "$FUZZ_OUTDIR/fuzz-$t" -max_total_time="$seconds" \
                 -timeout=25 -max_len=16384 -print_final_stats=1 \
                 -artifact_prefix="$artifacts" \
                 "$corpus" "$FUZZ_OUTDIR/seeds/$t" $regress \
                 > "$FUZZ_OUTDIR/fuzz-$t.log" 2>&1; then
            tail -60 "$FUZZ_OUTDIR/fuzz-$t.log"
            say "fuzz-$t failed: log in $FUZZ_OUTDIR/fuzz-$t.log," \
                "reproducer in $artifacts" >&2
            failed="$failed $t"
        else
            grep -E '^stat::(number_of_executed_units|peak_rss_mb)' \
                 "$FUZZ_OUTDIR/fuzz-$t.log" | sed "s/^/  fuzz-$t /" || true
        fi
    done
    if test -n "$failed"; then
        say "fuzzing found crashes in:$failed" >&2
        exit 1
    fi
    say "fuzzing found no crash"
}

do_demo () {
    do_build
    say "running the demo"
    (cd "$BUILDDIR" && ../utilities/flowexport-demo)
}

do_deb () {
    do_build
    say "building the Debian package (dpkg-buildpackage -b)"
    rm -rf _deb
    mkdir -p _deb
    # dpkg-buildpackage writes into the parent directory: move what it made
    # of this version into _deb.
    local version
    version=$(dpkg-parsechangelog -S Version)
    dpkg-buildpackage -b -us -uc
    mv ../openvswitch-switch-flowexport_"$version"_*.deb \
       ../openvswitch-switch-flowexport-dbgsym_"$version"_*.deb \
       ../flowexport_"$version"_*.buildinfo \
       ../flowexport_"$version"_*.changes _deb/ 2>/dev/null || true
    ls _deb/openvswitch-switch-flowexport_"$version"_*.deb > /dev/null
    say "lintian"
    lintian --fail-on error _deb/flowexport_"$version"_*.changes
    say "package: $(ls _deb/openvswitch-switch-flowexport_*.deb)"
}

do_check_host () {
    do_deb
    say "testing the package on this host (tests/check-host.sh)"
    tests/check-host.sh "$(ls _deb/openvswitch-switch-flowexport_*.deb)"
}

usage () {
    cat <<EOF
usage: $0 deps|build|check|demo|deb|check-host|check-sanitizers|fuzz [SECONDS]|bench-deps
  deps    install the Debian packages needed (apt-get, as root)
  build   deps + boot.sh + configure in $BUILDDIR + make
  check   build + make check (extra testsuite flags in TESTSUITEFLAGS)
  demo    build + utilities/flowexport-demo (NetFlow on the dummy datapath)
  check-sanitizers
          make check built with ASan, UBSan and LSan in $SAN_BUILDDIR
          (OVS in $SAN_OVSDIR); fails on any sanitizer report
  fuzz [SECONDS]
          build tests/fuzz's libFuzzer targets in $FUZZ_OUTDIR and run each
          for SECONDS (default 60); fails on any crash
  deb     build + the Debian package openvswitch-switch-flowexport in _deb
  check-host
          (root) deb + install and test it on this host beside Debian's
          openvswitch-switch (tests/check-host.sh), then remove it
  bench-deps
          deps + the packages bench/run-e2e.sh needs (iperf3, softflowd,
          linux-perf) and heaptrack, for flowexport-soak --heaptrack
Extra configure arguments go in FX_CONFIGURE_FLAGS.
EOF
}

case $1 in
    deps) do_deps ;;
    build) do_build ;;
    check) do_check ;;
    demo) do_demo ;;
    deb) do_deb ;;
    check-host) do_check_host ;;
    check-sanitizers) do_check_sanitizers ;;
    fuzz) do_fuzz "$2" ;;
    bench-deps) STEP=bench-deps; do_bench_deps ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 1 ;;
esac
