# The merged schema: OVS's vswitch.ovsschema plus flowexport.ovsschema, and
# the C IDL generated from it with OVS's own ovsdb-idlc.  Our ovs-vswitchd
# and ovs-vsctl are compiled and linked against this IDL, never against the
# copy inside libopenvswitch (see ALL_LOCAL check below).

FX_SCHEMA = ovsdb-schema/vswitch.ovsschema
pkgdata_DATA = $(FX_SCHEMA)
EXTRA_DIST += \
	ovsdb-schema/flowexport.ovsschema \
	ovsdb-schema/fx-merge-schema
CLEANFILES += $(FX_SCHEMA) ovsdb-schema/vswitch.ovsschema.stamp

$(FX_SCHEMA): $(OVS_SRCDIR)/vswitchd/vswitch.ovsschema \
		$(srcdir)/ovsdb-schema/flowexport.ovsschema \
		$(srcdir)/ovsdb-schema/fx-merge-schema
	$(AM_V_GEN)$(MKDIR_P) ovsdb-schema && \
	$(PYTHON3) $(srcdir)/ovsdb-schema/fx-merge-schema \
		$(OVS_SRCDIR)/vswitchd/vswitch.ovsschema \
		$(srcdir)/ovsdb-schema/flowexport.ovsschema > $@.tmp && \
	mv $@.tmp $@

# OVS's own checksum verifier must agree with the merged schema.
ALL_LOCAL += ovsdb-schema/vswitch.ovsschema.stamp
ovsdb-schema/vswitch.ovsschema.stamp: $(FX_SCHEMA)
	$(AM_V_GEN)$(OVS_SRCDIR)/build-aux/cksum-schema-check $(FX_SCHEMA) $@

# Generated as ovsdb-schema/lib/vswitch-idl.h because OVS's sources include
# "lib/vswitch-idl.h": with -I$(top_builddir)/ovsdb-schema first on the
# include path, they find ours.  OVS's own annotations are used unchanged.
FX_IDL_BUILT = \
	ovsdb-schema/lib/vswitch-idl.c \
	ovsdb-schema/lib/vswitch-idl.h \
	ovsdb-schema/lib/vswitch-idl.ovsidl
BUILT_SOURCES += $(FX_IDL_BUILT)
CLEANFILES += $(FX_IDL_BUILT)
OVSDB_IDLC = $(run_python) $(OVS_SRCDIR)/ovsdb/ovsdb-idlc.in

ovsdb-schema/lib/vswitch-idl.ovsidl: $(FX_SCHEMA) \
		$(OVS_SRCDIR)/lib/vswitch-idl.ann
	$(AM_V_GEN)$(MKDIR_P) ovsdb-schema/lib && \
	$(OVSDB_IDLC) annotate $(FX_SCHEMA) \
		$(OVS_SRCDIR)/lib/vswitch-idl.ann > $@.tmp && mv $@.tmp $@
ovsdb-schema/lib/vswitch-idl.c: ovsdb-schema/lib/vswitch-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
ovsdb-schema/lib/vswitch-idl.h: ovsdb-schema/lib/vswitch-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@

# A program that silently used OVS's old vswitch-idl instead of ours would
# read the database with the wrong row layout.  Two guards: every source
# compiled against the merged schema checks at compile time that it sees our
# header (FX_ASSERT_MERGED_IDL in fx-idl-check.h), and here every program
# must have linked a function that only our IDL defines.
FX_IDL_CHECKED = vswitchd-plugin/ovs-vswitchd$(EXEEXT) utilities/ovs-vsctl$(EXEEXT)
ALL_LOCAL += ovsdb-schema/idl-link-check.stamp
CLEANFILES += ovsdb-schema/idl-link-check.stamp
ovsdb-schema/idl-link-check.stamp: $(FX_IDL_CHECKED)
	$(AM_V_GEN)for p in $(FX_IDL_CHECKED); do \
	    if ! nm $$p | grep -q ' ovsrec_netflow_set_inactive_timeout$$'; then \
	        echo "$$p: not linked with flowexport's vswitch IDL" >&2; \
	        exit 1; \
	    fi; \
	done && touch $@

# ovs-flowexport.conf.db(5): OVS's vswitch.xml with our flowexport.xml
# merged in, rendered by OVS's ovsdb-doc against the merged schema.
EXTRA_DIST += ovsdb-schema/flowexport.xml ovsdb-schema/fx-merge-doc
man_MANS += ovsdb-schema/ovs-flowexport.conf.db.5
CLEANFILES += ovsdb-schema/ovs-flowexport.conf.db.5 ovsdb-schema/vswitch.xml
ovsdb-schema/vswitch.xml: $(OVS_SRCDIR)/vswitchd/vswitch.xml \
		$(srcdir)/ovsdb-schema/flowexport.xml \
		$(srcdir)/ovsdb-schema/fx-merge-doc
	$(AM_V_GEN)$(PYTHON3) $(srcdir)/ovsdb-schema/fx-merge-doc \
		$(OVS_SRCDIR)/vswitchd/vswitch.xml \
		$(srcdir)/ovsdb-schema/flowexport.xml > $@.tmp && mv $@.tmp $@
ovsdb-schema/ovs-flowexport.conf.db.5: $(FX_SCHEMA) ovsdb-schema/vswitch.xml
	$(AM_V_GEN)$(run_python) $(OVS_SRCDIR)/ovsdb/ovsdb-doc \
		--version=$(PACKAGE_VERSION) $(FX_SCHEMA) \
		ovsdb-schema/vswitch.xml > $@.tmp && mv $@.tmp $@
