#! /bin/sh
# Generates the configure script and Makefile.in from configure.ac and
# Makefile.am.
set -e
autoreconf --install --force
