# Autotest suite, built from OVS's own test macros (included from the OVS
# source tree, not copied) and ours.
EXTRA_DIST += \
	$(TESTSUITE_AT) \
	tests/atlocal.in \
	tests/lsan.supp

# The Debian package on a real host ("./setup.sh check-host", as root).
EXTRA_DIST += tests/check-host.sh

# libFuzzer targets: built and run by tests/fuzz/build.sh ("./setup.sh fuzz"),
# not by make.
EXTRA_DIST += \
	tests/fuzz/build.sh \
	tests/fuzz/fuzz-decode.c \
	tests/fuzz/fuzz-options.c \
	tests/fuzz/fuzz-records.c \
	tests/fuzz/fuzz-target.c \
	tests/fuzz/fuzz-util.h \
	tests/fuzz/make-seeds.py \
	tests/fuzz/regress/options/ipfix-biflow-before-template-1 \
	tests/fuzz/regress/options/ipfix-biflow-before-template-2 \
	tests/fuzz/regress/records/ipfix-set-padding-over-mtu
TESTSUITE_AT = \
	tests/testsuite.at \
	tests/fx-macros.at \
	tests/netflow-v5.at \
	tests/ipfix.at \
	tests/keys.at \
	tests/tunnel.at \
	tests/identity.at \
	tests/config.at \
	tests/knobs.at \
	tests/biflow.at \
	tests/conntrack.at \
	tests/transport.at \
	tests/faults.at \
	tests/hardening.at \
	tests/dns.at \
	tests/system-userspace.at \
	tests/fx-traffic.py \
	tests/fx-encap.py \
	tests/tcp-sink.py \
	tests/dns-server.py \
	tests/udp-sink.py \
	tests/schema-columns.py \
	tests/schema.at \
	tests/unit.at \
	tests/decode.at \
	tests/ipfix-craft.py

# Unit tests of the engine, run from tests/unit.at.
noinst_PROGRAMS += tests/test-flowexport
tests_test_flowexport_SOURCES = tests/test-flowexport.c
tests_test_flowexport_LDADD = \
	ofproto-ext/libflowexport.la \
	$(OVS_LIBOFPROTO) \
	$(OVS_LIBOPENVSWITCH)

TESTSUITE = $(builddir)/tests/testsuite
AUTOTEST = $(AUTOM4TE) -l autotest
AUTOM4TE = autom4te
CLEANFILES += $(TESTSUITE) tests/package.m4

# Programs first from our build (ovs-vswitchd, ovs-vsctl, decoder), then
# OVS's build for everything else (ovsdb-server, ovs-appctl, ovs-ofctl...).
AUTOTEST_PATH = $(abs_top_builddir)/vswitchd-plugin:$(abs_top_builddir)/utilities:$(abs_top_builddir)/tests:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/tests

$(TESTSUITE): tests/package.m4 $(TESTSUITE_AT)
	$(AM_V_GEN)$(AUTOTEST) -I '$(builddir)/tests' -I '$(srcdir)' -I '$(OVS_SRCDIR)' \
		-o $@.tmp $(srcdir)/tests/testsuite.at && mv $@.tmp $@

tests/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN){ \
	  echo '# Signature of the current package.'; \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])'; \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])'; \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])'; \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])'; \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} > $@.tmp && mv $@.tmp $@

CHECK_LOCAL += check-autotest
check-autotest: all tests/atconfig tests/atlocal $(TESTSUITE)
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
		$(TESTSUITEFLAGS)
.PHONY: check-autotest

clean-local:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
