# Micro-benchmarks: programs that print figures, never timed tests.  See
# docs/benchmarks.md; bench/run-micro.sh runs them all.
#
# bench-cache.c is built twice.  bench-cache-fx links libflowexport before
# OVS's libraries, so netflow_*() are our tap's; bench-cache-ovs links OVS's
# libraries only, so the linker takes OVS's own ofproto/netflow.o.
noinst_PROGRAMS += \
	bench/bench-cache-fx \
	bench/bench-cache-ovs \
	bench/bench-encode \
	bench/bench-flowgen

bench_bench_cache_fx_SOURCES = bench/bench-cache.c bench/bench-util.h
bench_bench_cache_fx_CPPFLAGS = $(AM_CPPFLAGS) -DBENCH_IMPL_FX=1
bench_bench_cache_fx_LDADD = \
	ofproto-ext/libflowexport.la \
	$(OVS_LIBOFPROTO) \
	$(OVS_LIBOPENVSWITCH)

bench_bench_cache_ovs_SOURCES = bench/bench-cache.c bench/bench-util.h
bench_bench_cache_ovs_CPPFLAGS = $(AM_CPPFLAGS) -DBENCH_IMPL_FX=0
bench_bench_cache_ovs_LDADD = \
	$(OVS_LIBOFPROTO) \
	$(OVS_LIBOPENVSWITCH)

bench_bench_encode_SOURCES = bench/bench-encode.c bench/bench-util.h
bench_bench_encode_LDADD = \
	ofproto-ext/libflowexport.la \
	$(OVS_LIBOPENVSWITCH)

# The short-flow generator of bench/run-e2e.sh.
bench_bench_flowgen_SOURCES = bench/bench-flowgen.c bench/bench-util.h
bench_bench_flowgen_LDADD = $(OVS_LIBOPENVSWITCH)

EXTRA_DIST += bench/run-micro.sh bench/run-e2e.sh docs/benchmarks.md
