# policy: the action policy (MCollective actionpolicy grammar, strict).
noinst_LIBRARIES += policy/libpolicy.a
policy_libpolicy_a_SOURCES = \
	policy/groups.c policy/groups.h \
	policy/policy.c policy/policy.h \
	policy/rules.c policy/rules.h \
	policy/source.c policy/source.h

# Sample policy directory; see metactl-policy(5).
EXTRA_DIST += etc/policy
