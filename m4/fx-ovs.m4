# -*- autoconf -*-
# Copyright (c) 2026 The flowexport authors.
# Licensed under the Apache License, Version 2.0.

dnl FX_CHECK_OVS
dnl
dnl Finds the Open vSwitch tree flowexport builds against.  By default it is
dnl Debian's openvswitch-source tarball, unpacked and built once into
dnl $srcdir/_ovs by utilities/fx-build-ovs.  --with-ovs-source and
dnl --with-ovs-build select any other already-built tree instead.  Sets
dnl OVS_SRCDIR, OVS_BUILDDIR and OVS_VERSION.
AC_DEFUN([FX_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
    [AS_HELP_STRING([--with-ovs-source=DIR],
       [Open vSwitch source tree (default: build Debian's
        openvswitch-source into _ovs)])],
    [OVS_SRCDIR=$withval], [OVS_SRCDIR=])
  AC_ARG_WITH([ovs-build],
    [AS_HELP_STRING([--with-ovs-build=DIR],
       [Open vSwitch build tree (default: the source tree)])],
    [OVS_BUILDDIR=$withval], [OVS_BUILDDIR=])
  AC_ARG_VAR([OVS_TARBALL],
    [OVS source tarball built by default
     (/usr/src/openvswitch/openvswitch.tar.gz)])

  if test -z "$OVS_SRCDIR"; then
    test -n "$OVS_BUILDDIR" && \
      AC_MSG_ERROR([--with-ovs-build needs --with-ovs-source])
    : ${OVS_TARBALL=/usr/src/openvswitch/openvswitch.tar.gz}
    fx_ovs_dir=`cd "$srcdir" && pwd`/_ovs
    AC_MSG_NOTICE([building Open vSwitch from $OVS_TARBALL into $fx_ovs_dir (once)])
    "$srcdir"/utilities/fx-build-ovs "$OVS_TARBALL" "$fx_ovs_dir" || \
      AC_MSG_ERROR([could not build Open vSwitch from $OVS_TARBALL
(install Debian's openvswitch-source, or use --with-ovs-source)])
    OVS_SRCDIR=$fx_ovs_dir/src
    OVS_BUILDDIR=$fx_ovs_dir/build
  elif test -z "$OVS_BUILDDIR"; then
    OVS_BUILDDIR=$OVS_SRCDIR
  fi
  OVS_SRCDIR=`cd "$OVS_SRCDIR" && pwd` || AC_MSG_ERROR([bad --with-ovs-source])
  OVS_BUILDDIR=`cd "$OVS_BUILDDIR" && pwd` || AC_MSG_ERROR([bad --with-ovs-build])

  AC_MSG_CHECKING([for an Open vSwitch source tree in $OVS_SRCDIR])
  if test -f "$OVS_SRCDIR/ofproto/netflow.h" && \
     test -f "$OVS_SRCDIR/vswitchd/bridge.c" && \
     test -f "$OVS_SRCDIR/vswitchd/vswitch.ovsschema"; then
    AC_MSG_RESULT([yes])
  else
    AC_MSG_RESULT([no])
    AC_MSG_ERROR([$OVS_SRCDIR is not an Open vSwitch source tree])
  fi

  AC_MSG_CHECKING([for a built Open vSwitch in $OVS_BUILDDIR])
  if test -f "$OVS_BUILDDIR/config.h" && \
     test -f "$OVS_BUILDDIR/lib/libopenvswitch.la" && \
     test -f "$OVS_BUILDDIR/ofproto/libofproto.la"; then
    AC_MSG_RESULT([yes])
  else
    AC_MSG_RESULT([no])
    AC_MSG_ERROR([$OVS_BUILDDIR is not a built Open vSwitch tree (run make there)])
  fi

  OVS_VERSION=`sed -n 's/^#define VERSION "\(.*\)"/\1/p' "$OVS_BUILDDIR/config.h"`
  AC_MSG_NOTICE([using Open vSwitch $OVS_VERSION])
  case $OVS_VERSION in
    3.1.*) ;;
    *) AC_MSG_WARN([flowexport is developed against Open vSwitch 3.1; $OVS_VERSION is untested]) ;;
  esac

  dnl OVS's own sources that we compile (bridge.c, ovs-vswitchd.c,
  dnl system-stats.c, ovs-vsctl.c and the generated IDL) must get the flags
  dnl OVS compiles them with: OVS relies on -fno-strict-aliasing, which only
  dnl its configure adds (to its WARNING_FLAGS).  Ask OVS's Makefile, so
  dnl that whatever its configure chose for this compiler is used.
  AC_MSG_CHECKING([for the compiler flags of the Open vSwitch build])
  printf 'fx-print-ovs-cflags:\n\t@echo $(AM@&t@_CFLAGS)\n' > conftest.mk
  OVS_AM_CFLAGS=`${MAKE-make} -s --no-print-directory -C "$OVS_BUILDDIR" \
                   -f Makefile -f "$PWD/conftest.mk" fx-print-ovs-cflags` ||
    AC_MSG_ERROR([cannot read the compiler flags from $OVS_BUILDDIR/Makefile])
  rm -f conftest.mk
  AC_MSG_RESULT([$OVS_AM_CFLAGS])
  case " $OVS_AM_CFLAGS " in
    *" -fno-strict-aliasing "*) ;;
    *) AC_MSG_WARN([the Open vSwitch build does not use -fno-strict-aliasing]) ;;
  esac

  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
  AC_SUBST([OVS_AM_CFLAGS])
])
