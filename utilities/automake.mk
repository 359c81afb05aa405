# ovs-vsctl built against the merged schema, and the decoder.
bin_PROGRAMS += utilities/ovs-vsctl
utilities_ovs_vsctl_SOURCES = utilities/ovs-vsctl-main.c
nodist_utilities_ovs_vsctl_SOURCES = \
	ovsdb-schema/lib/vswitch-idl.c \
	ovsdb-schema/lib/vswitch-idl.h
utilities_ovs_vsctl_LDADD = $(OVS_LIBOPENVSWITCH)
# OVS's ovs-vsctl.c and the generated IDL: the OVS build's flags (see
# vswitchd-plugin/automake.mk).
utilities_ovs_vsctl_CFLAGS = $(OVS_AM_CFLAGS) -fmacro-prefix-map=$(OVS_SRCDIR)/=

bin_PROGRAMS += utilities/flowexport-decode
utilities_flowexport_decode_SOURCES = utilities/flowexport-decode.c
utilities_flowexport_decode_LDADD = $(OVS_LIBOPENVSWITCH)
dist_man_MANS += utilities/flowexport-decode.1

EXTRA_DIST += utilities/fx-build-ovs utilities/flowexport-soak utilities/flowexport-demo \
	utilities/flowexport-heap-growth
