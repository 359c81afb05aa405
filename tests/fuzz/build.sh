#! /bin/sh
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.
#
# build.sh OVS_SRCDIR OVS_BUILDDIR OUTDIR
#
# Builds flowexport's libFuzzer targets (tests/fuzz/fuzz-*.c) into OUTDIR,
# with clang and -fsanitize=fuzzer,address,undefined, against an Open
# vSwitch tree built with AddressSanitizer (./setup.sh fuzz uses _ovs-san,
# which gcc built): the targets and the ofproto-ext sources they test are
# compiled with clang, OVS's libopenvswitch.a is linked as gcc built it.
# Both compilers' ASan instrumentation talks to clang's runtime, which
# clang links in.
#
#   fuzz-decode    utilities/flowexport-decode.c's message parser
#   fuzz-records   flow key, flow cache and the v5/v9/IPFIX encoders,
#                  checked by decoding every message
#   fuzz-target    collector target strings through fx_transport_create()
#   fuzz-options   exporter options: validation, then exporter creation
#
# Each target is a libFuzzer program: "OUTDIR/fuzz-decode CORPUS_DIR...",
# "-max_total_time=SECONDS", "-help=1" for more.  ./setup.sh fuzz runs them.
#
# Environment: CC (default clang-14 or clang), FUZZ_CFLAGS (replaces the
# default compiler flags below).
set -e

if test $# != 3; then
    echo "usage: $0 OVS_SRCDIR OVS_BUILDDIR OUTDIR" >&2
    exit 1
fi
ovs_src=$(cd "$1" && pwd)
ovs_build=$(cd "$2" && pwd)
mkdir -p "$3"
out=$(cd "$3" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)

if test -z "$CC"; then
    if command -v clang-14 >/dev/null 2>&1; then
        CC=clang-14
    else
        CC=clang
    fi
fi
# -fno-strict-aliasing as in the regular build (Makefile.am): OVS's inline
# functions rely on it.
: "${FUZZ_CFLAGS:=-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
-fno-sanitize-recover=undefined -fno-strict-aliasing}"

libovs=$ovs_build/lib/.libs/libopenvswitch.a
if test ! -f "$ovs_build/config.h" || test ! -f "$libovs"; then
    echo "$0: $ovs_build is not a built Open vSwitch tree" >&2
    exit 1
fi

# What OVS's libtool archive links with (-lssl -lcrypto ...), without the
# .la files, whose static archives are added instead.
deplibs=
for lib in $(sed -n "s/^dependency_libs='\(.*\)'/\1/p" \
                 "$ovs_build/lib/libopenvswitch.la"); do
    case $lib in
        *.la) deplibs="$deplibs $(dirname "$lib")/.libs/$(basename "$lib" .la).a"
              ;;
        *) deplibs="$deplibs $lib" ;;
    esac
done

cppflags="-I$top/ofproto-ext -I$top/utilities -I$ovs_build \
-I$ovs_build/include -I$ovs_src/include -I$ovs_build/lib -I$ovs_src/lib \
-I$ovs_src"
warnings="-Wall -Wno-unused-function -Wno-unused-parameter \
-Wno-sign-compare -Wno-address-of-packed-member"

# The engine, recompiled with clang with libFuzzer's coverage
# instrumentation (OVS's library has none), into a static archive so that
# each target links only what it uses.  Every ofproto-ext/*.c but fx-tap.c,
# which implements ofproto/netflow.h and needs libofproto.
rm -rf "$out/obj"
mkdir -p "$out/obj"
for src in "$top"/ofproto-ext/*.c; do
    f=$(basename "$src" .c)
    test "$f" != fx-tap || continue
    # shellcheck disable=SC2086
    $CC $FUZZ_CFLAGS -fsanitize=fuzzer-no-link $cppflags $warnings \
        -c "$src" -o "$out/obj/$f.o"
done
rm -f "$out/libfx-fuzz.a"
ar rcs "$out/libfx-fuzz.a" "$out"/obj/*.o

for t in decode records target options; do
    echo "build.sh: $out/fuzz-$t" >&2
    # shellcheck disable=SC2086
    $CC $FUZZ_CFLAGS -fsanitize=fuzzer $cppflags $warnings \
        -o "$out/fuzz-$t" "$top/tests/fuzz/fuzz-$t.c" "$out/libfx-fuzz.a" \
        "$libovs" \
        $deplibs -lpthread -lrt
done
