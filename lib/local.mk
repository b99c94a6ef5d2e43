noinst_LIBRARIES += lib/libmetactl.a
lib_libmetactl_a_SOURCES = \
	lib/config.c lib/config.h \
	lib/conftab.c lib/conftab.h \
	lib/ddl.c lib/ddl.h \
	lib/error.c lib/error.h \
	lib/file.c lib/file.h \
	lib/filter.c lib/filter.h \
	lib/log.c lib/log.h \
	lib/message.c lib/message.h \
	lib/pattern.c lib/pattern.h \
	lib/replay.c lib/replay.h \
	lib/sign.c lib/sign.h \
	lib/strv.c lib/strv.h \
	lib/transport.c lib/transport.h
