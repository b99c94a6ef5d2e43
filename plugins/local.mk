# plugins: the registry, the built-in agents and external-agent support.
# A plugin sees only plugins/plugin.h and lib/; the agent links this library.
noinst_LIBRARIES += plugins/libplugins.a
plugins_libplugins_a_SOURCES = \
	plugins/plugin.h \
	plugins/rpcutil/rpcutil.c plugins/rpcutil/rpcutil.h

dist_ddl_DATA += schemas/ddl/rpcutil.json
