# What an installation needs besides programs, pages, DDLs and schemas:
# the systemd unit, the sample configurations and the initial policy
# directory, each naming this build's directories.
#
# Configuration files go to $(sysconfdir)/metactl only where no file of
# that name exists yet (an operator's edits survive a reinstall), and
# "make uninstall" removes them only when they are unchanged. Every sample,
# the sample policies included, is also installed unchanged-but-for-paths
# under $(docdir)/examples.

# debian/rules installs the unit in /lib/systemd/system instead.
systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = etc/metactld.service
CLEANFILES += etc/metactld.service
EXTRA_DIST += etc/metactld.service.in etc/initial etc/facts.yaml etc/classes.txt

etc/metactld.service: $(srcdir)/etc/metactld.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) etc && rm -f $@ $@.tmp && \
	$(edit_man) $(srcdir)/etc/metactld.service.in >$@.tmp && mv $@.tmp $@

# The samples name /etc/metactl, /run/metactl, ... literally (the tests
# read them in the source tree); installed, they name this build's paths.
edit_sample = sed \
	-e 's|/etc/metactl|$(sysconfdir)/metactl|g' \
	-e 's|/usr/share/metactl|$(pkgdatadir)|g' \
	-e 's|/run/metactl|$(runstatedir)/metactl|g' \
	-e 's|/var/log/metactl|$(localstatedir)/log/metactl|g' \
	-e 's|/usr/local/libexec|$(libexecdir)|g'

sample_files = metactld.conf client.conf facts.yaml classes.txt
sample_policies = default.policy groups rpcutil.policy service.policy \
	lbreg.policy
examplesdir = $(docdir)/examples
confdir = $(sysconfdir)/metactl
policydir = $(confdir)/policy

# The samples with this build's paths, in the build tree.
samples/.stamp: $(sample_files:%=$(srcdir)/etc/%) Makefile
	$(AM_V_GEN)$(MKDIR_P) samples/policy samples/initial && \
	for f in $(sample_files); do \
	  $(edit_sample) $(srcdir)/etc/$$f >samples/$$f || exit 1; \
	done && \
	for f in $(sample_policies); do \
	  $(edit_sample) $(srcdir)/etc/policy/$$f >samples/policy/$$f || exit 1; \
	done && \
	$(edit_sample) $(srcdir)/etc/initial/policy/groups >samples/initial/groups && \
	touch $@
all-local: samples/.stamp
clean-local: clean-samples
clean-samples:
	-rm -rf samples
.PHONY: clean-samples

# install_new SRC DST: installs SRC as DST, mode 0644, unless DST exists.
install_new = install_new() { \
	if test -e "$$2"; then echo "keeping $$2"; \
	else $(INSTALL_DATA) "$$1" "$$2"; fi; }; install_new
# remove_same SRC DST: removes DST if it is still SRC.
remove_same = remove_same() { \
	if cmp -s "$$1" "$$2"; then rm -f "$$2"; \
	elif test -e "$$2"; then echo "keeping changed $$2"; fi; }; remove_same

install-data-local: samples/.stamp
	$(MKDIR_P) '$(DESTDIR)$(examplesdir)/policy' '$(DESTDIR)$(policydir)'
	for f in $(sample_files); do \
	  $(INSTALL_DATA) samples/$$f '$(DESTDIR)$(examplesdir)'/$$f || exit 1; \
	done
	for f in $(sample_policies); do \
	  $(INSTALL_DATA) samples/policy/$$f \
	    '$(DESTDIR)$(examplesdir)'/policy/$$f || exit 1; \
	done
	for f in $(sample_files); do \
	  $(install_new) samples/$$f '$(DESTDIR)$(confdir)'/$$f || exit 1; \
	done
	$(install_new) samples/policy/default.policy \
	  '$(DESTDIR)$(policydir)/default.policy'
	$(install_new) samples/initial/groups '$(DESTDIR)$(policydir)/groups'

uninstall-local:
	for f in $(sample_files); do \
	  rm -f '$(DESTDIR)$(examplesdir)'/$$f; \
	  $(remove_same) samples/$$f '$(DESTDIR)$(confdir)'/$$f; \
	done
	for f in $(sample_policies); do \
	  rm -f '$(DESTDIR)$(examplesdir)'/policy/$$f; \
	done
	$(remove_same) samples/policy/default.policy \
	  '$(DESTDIR)$(policydir)/default.policy'
	$(remove_same) samples/initial/groups '$(DESTDIR)$(policydir)/groups'
	-rmdir '$(DESTDIR)$(examplesdir)/policy' '$(DESTDIR)$(policydir)' \
	  '$(DESTDIR)$(confdir)' 2>/dev/null

# What make install and make uninstall do with all this.
SCRIPT_TESTS += tests/install.sh
EXTRA_DIST += tests/install.sh

# The sample app "seed" (metactl-app(5)): its .metactl, a prod site layer
# and a node layer, installed as they are.
seedexampledir = $(pkgdatadir)/examples/seed
dist_seedexample_DATA = etc/examples/seed/app.metactl \
	etc/examples/seed/site.conf etc/examples/seed/node.conf

# metactl schedule under cron or systemd (metactl(1), SCHEDULE): examples
# with this build's paths, installed under $(docdir)/examples/schedule.
schedule_examples = etc/schedule/metactl-schedule.cron \
	etc/schedule/metactl-schedule.service \
	etc/schedule/metactl-schedule-once.service \
	etc/schedule/metactl-schedule-once.timer
scheduleexampledir = $(docdir)/examples/schedule
scheduleexample_DATA = $(schedule_examples)
CLEANFILES += $(schedule_examples)
EXTRA_DIST += $(schedule_examples:%=%.in)
$(schedule_examples): Makefile
	$(AM_V_GEN)$(MKDIR_P) etc/schedule && rm -f $@ $@.tmp && \
	$(edit_man) $(srcdir)/$@.in >$@.tmp && mv $@.tmp $@
etc/schedule/metactl-schedule.cron: $(srcdir)/etc/schedule/metactl-schedule.cron.in
etc/schedule/metactl-schedule.service: $(srcdir)/etc/schedule/metactl-schedule.service.in
etc/schedule/metactl-schedule-once.service: $(srcdir)/etc/schedule/metactl-schedule-once.service.in
etc/schedule/metactl-schedule-once.timer: $(srcdir)/etc/schedule/metactl-schedule-once.timer.in
