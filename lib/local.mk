noinst_LIBRARIES += lib/libmetactl.a
lib_libmetactl_a_SOURCES = \
	lib/error.c lib/error.h \
	lib/log.c lib/log.h
