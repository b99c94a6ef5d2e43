# plugins: the registry, the built-in agents and external-agent support.
# A plugin sees only plugins/plugin.h and lib/; the agent links this library.
noinst_LIBRARIES += plugins/libplugins.a
plugins_libplugins_a_SOURCES = \
	plugins/plugin.h \
	plugins/registry.c plugins/registry.h \
	plugins/external.c plugins/external.h \
	plugins/rpcutil/rpcutil.c plugins/rpcutil/rpcutil.h

dist_ddl_DATA += schemas/ddl/rpcutil.json

# The example external agent, for operators to copy into their agent
# directory (docs/EXTERNAL-AGENTS.md).
externalexampledir = $(pkgdatadir)/examples/external
dist_externalexample_SCRIPTS = plugins/external/example
dist_externalexample_DATA = plugins/external/example.json
externaldocdir = $(docdir)
dist_externaldoc_DATA = docs/EXTERNAL-AGENTS.md
