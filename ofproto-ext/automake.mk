# The engine: datapath tap, flow cache, records, encoders, transports.
#
# fx-tap.c defines OVS's ofproto/netflow.h API.  Programs link this library
# before OVS's libofproto, and the vswitchd plugin references fx-tap.o, so the
# linker takes our netflow_* functions and never pulls OVS's netflow.o (if
# both were linked, the link would fail with duplicate symbols).
noinst_LTLIBRARIES += ofproto-ext/libflowexport.la
ofproto_ext_libflowexport_la_SOURCES = \
	ofproto-ext/fx-biflow.c \
	ofproto-ext/fx-biflow.h \
	ofproto-ext/fx-cache.c \
	ofproto-ext/fx-cache.h \
	ofproto-ext/fx-defaults.h \
	ofproto-ext/fx-encoder.c \
	ofproto-ext/fx-encoder.h \
	ofproto-ext/fx-exporter.c \
	ofproto-ext/fx-exporter.h \
	ofproto-ext/fx-ie.c \
	ofproto-ext/fx-ie.def \
	ofproto-ext/fx-ie.h \
	ofproto-ext/fx-ie-view.c \
	ofproto-ext/fx-ie-view.h \
	ofproto-ext/fx-iftable.c \
	ofproto-ext/fx-iftable.h \
	ofproto-ext/fx-ipfix.c \
	ofproto-ext/fx-key.c \
	ofproto-ext/fx-key.h \
	ofproto-ext/fx-nf5.c \
	ofproto-ext/fx-nf9.c \
	ofproto-ext/fx-record.c \
	ofproto-ext/fx-record.h \
	ofproto-ext/fx-selection.c \
	ofproto-ext/fx-selection.h \
	ofproto-ext/fx-store.c \
	ofproto-ext/fx-store.h \
	ofproto-ext/fx-tap.c \
	ofproto-ext/fx-tap.h \
	ofproto-ext/fx-template.c \
	ofproto-ext/fx-template.h \
	ofproto-ext/fx-transport.c \
	ofproto-ext/fx-transport.h \
	ofproto-ext/fx-transport-provider.h \
	ofproto-ext/fx-transport-stream.c \
	ofproto-ext/fx-transport-udp.c
