# Manual pages: man/PAGE.in with the installation directories substituted
# at make time, so that a page names the files where this build puts and
# looks for them (a default ./configure: /usr/local/etc/metactl/...; a
# package: /etc/metactl/...). Done here rather than by config.status so
# that every directory is fully expanded (autoconf manual, "Installation
# Directory Variables").
man_MANS = man/metactl.1 man/metactl.conf.5 man/metactl-policy.5 \
	man/metactl-app.5 man/metactld.8 man/metactld.conf.5 \
	man/metactl-svwait.8 man/metactl-lbctl.8 man/metactl-connwait.8
EXTRA_DIST += $(man_MANS:=.in)
CLEANFILES += $(man_MANS)

edit_man = sed \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@pkgdatadir[@]|$(pkgdatadir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sbindir[@]|$(sbindir)|g'

$(man_MANS): Makefile
	$(AM_V_GEN)$(MKDIR_P) man && rm -f $@ $@.tmp && \
	$(edit_man) $(srcdir)/$@.in >$@.tmp && mv $@.tmp $@
man/metactl.1: $(srcdir)/man/metactl.1.in
man/metactl.conf.5: $(srcdir)/man/metactl.conf.5.in
man/metactl-policy.5: $(srcdir)/man/metactl-policy.5.in
man/metactl-app.5: $(srcdir)/man/metactl-app.5.in
man/metactld.8: $(srcdir)/man/metactld.8.in
man/metactld.conf.5: $(srcdir)/man/metactld.conf.5.in
man/metactl-svwait.8: $(srcdir)/man/metactl-svwait.8.in
man/metactl-lbctl.8: $(srcdir)/man/metactl-lbctl.8.in
man/metactl-connwait.8: $(srcdir)/man/metactl-connwait.8.in

# What a build's pages say about its directories.
SCRIPT_TESTS += tests/man_paths.sh
EXTRA_DIST += tests/man_paths.sh
