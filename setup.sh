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
"
BUILDDIR=_build

say () {
    echo "setup.sh: $*"
}

njobs () {
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
}

do_deps () {
    local missing='' p
    for p in $PACKAGES; do
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
            say "missing packages and not root: run '$0 deps' as root" >&2
            exit 1
        fi
    fi
    $sudo apt-get update
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends $missing
}

do_build () {
    do_deps

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

do_demo () {
    do_build
    say "running the demo"
    (cd "$BUILDDIR" && ../utilities/flowexport-demo)
}

usage () {
    cat <<EOF
usage: $0 deps|build|check|demo
  deps    install the Debian packages needed (apt-get, as root)
  build   deps + boot.sh + configure in $BUILDDIR + make
  check   build + make check (extra testsuite flags in TESTSUITEFLAGS)
  demo    build + utilities/flowexport-demo (NetFlow on the dummy datapath)
Extra configure arguments go in FX_CONFIGURE_FLAGS.
EOF
}

case $1 in
    deps) do_deps ;;
    build) do_build ;;
    check) do_check ;;
    demo) do_demo ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 1 ;;
esac
