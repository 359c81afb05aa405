# ovs-vsctl built against the merged schema, and the decoder.
bin_PROGRAMS += utilities/ovs-vsctl
utilities_ovs_vsctl_SOURCES = utilities/ovs-vsctl-main.c
nodist_utilities_ovs_vsctl_SOURCES = \
	ovsdb-schema/lib/vswitch-idl.c \
	ovsdb-schema/lib/vswitch-idl.h
utilities_ovs_vsctl_LDADD = $(OVS_LIBOPENVSWITCH)

bin_PROGRAMS += utilities/flowexport-decode
utilities_flowexport_decode_SOURCES = utilities/flowexport-decode.c
utilities_flowexport_decode_LDADD = $(OVS_LIBOPENVSWITCH)
dist_man_MANS += utilities/flowexport-decode.1

EXTRA_DIST += utilities/fx-build-ovs utilities/flowexport-soak utilities/flowexport-demo \
	utilities/flowexport-heap-growth
