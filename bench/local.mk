# Benchmark programs: built by make (so they don't rot), run by scripts/bench.
noinst_PROGRAMS += bench/floor_responder bench/floor_publisher
bench_floor_responder_LDADD = lib/libmetactl.a $(RABBITMQ_LIBS)
bench_floor_publisher_LDADD = lib/libmetactl.a $(RABBITMQ_LIBS)
EXTRA_DIST += bench/README.md bench/results bench/stages.awk bench/procstat.awk \
	bench/model.awk
noinst_PROGRAMS += bench/timeit bench/loadgen
bench_loadgen_LDADD = lib/libmetactl.a $(RABBITMQ_LIBS) $(JANSSON_LIBS) $(SODIUM_LIBS)
noinst_PROGRAMS += bench/replay_bench
bench_replay_bench_LDADD = lib/libmetactl.a $(JANSSON_LIBS) $(SODIUM_LIBS)
# The discovery benchmark (scripts/bench-discovery): a node that answers
# late, and cold discoveries through orchestrator/quiet.c.
noinst_PROGRAMS += bench/slow_node bench/discovery_probe
bench_slow_node_SOURCES = bench/slow_node.c tests/integration/fakereply.c \
	tests/integration/fakereply.h
bench_slow_node_LDADD = lib/libmetactl.a $(RABBITMQ_LIBS) $(JANSSON_LIBS) \
	$(SODIUM_LIBS)
bench_discovery_probe_LDADD = orchestrator/liborch.a policy/libpolicy.a \
	lib/libmetactl.a $(JANSSON_LIBS) $(SODIUM_LIBS) $(RABBITMQ_LIBS) -lm
