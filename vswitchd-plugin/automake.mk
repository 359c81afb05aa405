# ovs-vswitchd: OVS's own vswitchd sources (compiled unmodified by the
# ovs-*.c wrappers, with the renames documented in fx-plugin.h), the plugin,
# and our engine, linked against OVS's libraries and our merged-schema IDL.
#
# OVS's sources are compiled with the OVS build's own flags (OVS_AM_CFLAGS,
# see m4/fx-ovs.m4: notably -fno-strict-aliasing), hence their own
# convenience library.
noinst_LTLIBRARIES += vswitchd-plugin/libfx-ovs-vswitchd.la
vswitchd_plugin_libfx_ovs_vswitchd_la_SOURCES = \
	vswitchd-plugin/ovs-bridge.c \
	vswitchd-plugin/ovs-system-stats.c \
	vswitchd-plugin/ovs-vswitchd-main.c
nodist_vswitchd_plugin_libfx_ovs_vswitchd_la_SOURCES = \
	ovsdb-schema/lib/vswitch-idl.c \
	ovsdb-schema/lib/vswitch-idl.h
vswitchd_plugin_libfx_ovs_vswitchd_la_CFLAGS = \
	$(OVS_AM_CFLAGS) -fmacro-prefix-map=$(OVS_SRCDIR)/=
sbin_PROGRAMS += vswitchd-plugin/ovs-vswitchd
vswitchd_plugin_ovs_vswitchd_SOURCES = \
	vswitchd-plugin/fx-config.c \
	vswitchd-plugin/fx-trail.c \
	vswitchd-plugin/fx-trail.h \
	vswitchd-plugin/fx-plugin.c \
	vswitchd-plugin/fx-idl-check.h \
	vswitchd-plugin/fx-idl-pace.h \
	vswitchd-plugin/fx-nat.c \
	vswitchd-plugin/fx-nat.h \
	vswitchd-plugin/fx-plugin.h \
	vswitchd-plugin/fx-ports.c \
	vswitchd-plugin/fx-ports.h \
	vswitchd-plugin/fx-status.c \
	vswitchd-plugin/fx-status.h \
	vswitchd-plugin/fx-tls.c \
	vswitchd-plugin/fx-unixctl.c \
	vswitchd-plugin/fx-xlate.c
# Calls of xlate_actions() from outside ofproto-dpif-xlate.c go to
# fx-xlate.c first, its calls of rule_dpif_lookup_from_table() and
# mac_learning_lookup() to fx-trail.c, dpif-netdev.c's of
# conntrack_execute() to fx-nat.c;
# SSL_new() gets host name verification of TLS collectors from fx-tls.c
# (see fx-plugin.h).
vswitchd_plugin_ovs_vswitchd_LDFLAGS = \
	-Wl,--wrap=xlate_actions -Wl,--wrap=conntrack_execute \
	-Wl,--wrap=rule_dpif_lookup_from_table \
	-Wl,--wrap=mac_learning_lookup -Wl,--wrap=SSL_new
vswitchd_plugin_ovs_vswitchd_LDADD = \
	vswitchd-plugin/libfx-ovs-vswitchd.la \
	ofproto-ext/libflowexport.la \
	$(OVS_LIBOFPROTO) \
	$(OVS_LIBOPENVSWITCH)

# flowexport/* runtime commands, in the style of ovs-vswitchd(8).
dist_man_MANS += vswitchd-plugin/ovs-flowexport.8
