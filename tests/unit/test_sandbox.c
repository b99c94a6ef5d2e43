/* test_sandbox.c: the sandbox agent's names and configuration
 * (lib/sandbox_names.h, plugins/sandbox/sbxconf.h), and the lookup of
 * firewall host names (plugins/sandbox/sbxplan.h). */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox_names.h"
#include "error.h"
#include "plugins/sandbox/sbxconf.h"
#include "plugins/sandbox/sbxlive.h"
#include "plugins/sandbox/sbxplan.h"
#include "tests/unit/testutil.h"

START_TEST(test_names)
{
	char a[SANDBOX_IFNAME_MAX], b[SANDBOX_IFNAME_MAX], t[96];

	sandbox_hostif("shop", a, sizeof(a));
	ck_assert_str_eq(a, "mcshop");
	sandbox_hostif("abcdefghijklm", a, sizeof(a));
	ck_assert_str_eq(a, "mcabcdefghijklm");
	/* Longer: cut, with a hash of the whole name. */
	sandbox_hostif("abcdefghijklmn", a, sizeof(a));
	sandbox_hostif("abcdefghijklmo", b, sizeof(b));
	ck_assert_uint_eq(strlen(a), 15);
	ck_assert_int_eq(strncmp(a, "mcabcdefgh-", 11), 0);
	ck_assert_str_ne(a, b);
	sandbox_netns("shop", t, sizeof(t));
	ck_assert_str_eq(t, "metactl-shop");
	sandbox_table("shop-web.1", t, sizeof(t));
	ck_assert_str_eq(t, "metactl_shop_web_1");
}
END_TEST

/* The sandbox of app "shop" whose only layer is text; 0 or the code. */
static int
load(const char *text, struct sbx *s, char *why, size_t size)
{
	struct appconf_src src[APPCONF_NLAYERS] = {
	    {.path = "app.metactl", .text = text, .len = strlen(text)}};
	struct appconf *c = NULL;
	struct error err;
	int r;

	error_init(&err, "shop");
	if ((r = appconf_load("shop", src, &c, &err)) == 0)
		r = sbx_from_conf(c, "shop", "web1.example.net", s, &err);
	appconf_free(c);
	snprintf(why, size, "%s", err.text);
	return r;
}

START_TEST(test_conf)
{
	struct sbx s;
	char why[256];

	ck_assert_int_eq(
	    load("[env]\nDB = 10.1.0.5\n"
		 "[sandbox.net]\nip = 192.0.2.5/24\n"
		 "[sandbox.dns]\nserver = 192.0.2.1\nzone = ex.net\n"
		 "[firewall.out.accept]\ndb = %(DB):5432\n"
		 "lan = 10.2.0.0/16\n",
		&s, why, sizeof(why)),
	    0);
	ck_assert_int_eq(s.enabled, 1);
	ck_assert_str_eq(s.ip, "192.0.2.5");
	ck_assert_int_eq(s.prefix, 24);
	ck_assert_str_eq(s.hostif, "mcshop");
	ck_assert_str_eq(s.dnsname, "shop.web1.ex.net");
	/* Accept entries without a policy: the rest is refused. */
	ck_assert_int_eq(s.firewall, 1);
	ck_assert_str_eq(s.policy, "reject");
	ck_assert_uint_eq(s.naccept, 2);
	ck_assert_str_eq(s.accept[0].host, "10.1.0.5");
	ck_assert_int_eq(s.accept[0].port, 5432);
	ck_assert_str_eq(s.accept[1].host, "10.2.0.0/16");
	ck_assert_int_eq(s.accept[1].port, 0);

	ck_assert_int_eq(load("[sandbox.net]\nip = 192.0.2.5\nenabled = no\n",
			     &s, why, sizeof(why)),
	    0);
	ck_assert_int_eq(s.enabled, 0);
	ck_assert_int_eq(
	    load("[daemon.x]\nplatform = exec\ncommand = /bin/true\n", &s, why,
		sizeof(why)),
	    0);
	ck_assert_int_eq(s.enabled + s.firewall + s.dns, 0);
}
END_TEST

START_TEST(test_conf_errors)
{
	static const char *const cases[][2] = {
	    {"[sandbox.net]\nip = 300.1.1.1\n", "not an IPv4 address"},
	    {"[sandbox.net]\nip = 192.0.2.5/40\n", "prefix length"},
	    {"[firewall.out]\npolicy = maybe\n", "accept, reject or drop"},
	    {"[firewall.out.accept]\ndb = host:99999\n", "1 to 65535"},
	    {"[firewall.out.accept]\ndb = host\n", "host:port, cidr"},
	    {"[firewall.out.accept]\ndb = a;b:1\n", "a host name"},
	    {"[sandbox.dns]\nzone = ex.net\n", "needs server and zone"},
	    {"[sandbox.net]\nip = 2001:db8::5\n", "IPv6 is not supported"},
	    {"[sandbox.net]\nip = 10.1.16.5/20\n[sandbox.dns]\n"
	     "server = 10.1.0.1\nzone = ex.net\n",
		"app.metactl: [sandbox.net] ip: the prefix length is not /8, "
		"/16, /24 or /32: set [sandbox.dns] reverse_zone"},
	    {"[sandbox.net]\nip = 10.1.16.5/20\n[sandbox.dns]\n"
	     "server = 10.1.0.1\nzone = ex.net\n"
	     "reverse_zone = 2.10.in-addr.arpa\n",
		"reverse_zone: 2.10.in-addr.arpa does not hold "
		"5.16.1.10.in-addr.arpa"},
	};
	struct sbx s;
	char why[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(
		    load(cases[i][0], &s, why, sizeof(why)), MCE_CONFIG);
		ck_assert_msg(strstr(why, cases[i][1]) != NULL,
		    "%s: got \"%s\", want \"%s\"", cases[i][0], why,
		    cases[i][1]);
	}
}
END_TEST

/* The PTR record's zone: from the prefix length on an octet boundary
 * (a /32 address: its /24), else [sandbox.dns] reverse_zone; nsupdate's
 * input names it. */
START_TEST(test_reverse_zone)
{
	static const char *const cases[][2] = {
	    {"ip = 10.1.16.5", "16.1.10.in-addr.arpa"},
	    {"ip = 10.1.16.5/24", "16.1.10.in-addr.arpa"},
	    {"ip = 10.1.16.5/16", "1.10.in-addr.arpa"},
	    {"ip = 10.1.16.5/8", "10.in-addr.arpa"},
	    {"ip = 10.1.16.5/20\n[sandbox.dns]\nreverse_zone = "
	     "1.10.IN-ADDR.ARPA",
		"1.10.IN-ADDR.ARPA"},
	};
	char text[512], why[256], dir[] = "/tmp/test_sandbox.XXXXXX";
	char ledger[64], want[128];
	static struct sbx s;
	struct sbx_state st = {0};
	struct sbx_live lv;
	struct plan p = {0};
	const char *add = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
		    "[sandbox.dns]\nserver = 10.1.0.1\nzone = ex.net\n"
		    "[sandbox.net]\n%s\n",
		    cases[i][0]);
		ck_assert_msg(load(text, &s, why, sizeof(why)) == 0, "%s: %s",
		    cases[i][0], why);
		ck_assert_str_eq(s.dns_rname, "5.16.1.10.in-addr.arpa");
		ck_assert_str_eq(s.dns_rzone, cases[i][1]);
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ledger, sizeof(ledger), "%s/ledger", dir);
	sbx_live_init(&lv);
	ck_assert_int_eq(
	    sbx_plan_apply(&s, &st, &lv, dir, ledger, &p, NULL, NULL), 0);
	for (size_t i = 0; i < p.n; i++)
		if (p.steps[i].kind == PLAN_WRITE &&
		    strstr(p.steps[i].path, "/dns.nsupdate") != NULL)
			add = p.steps[i].content;
	ck_assert_ptr_nonnull(add);
	snprintf(want, sizeof(want),
	    "send\nzone 1.10.IN-ADDR.ARPA\nupdate delete "
	    "5.16.1.10.in-addr.arpa. PTR\n");
	ck_assert_msg(strstr(add, want) != NULL, "%s", add);
	plan_clear(&p);
	rmdir(dir);
}
END_TEST

/* Host names get a getent run of their own; getent's output (one line
 * per address and socket type) gives each address once. */
START_TEST(test_resolve)
{
	static struct sbx s;
	struct plan p = {0};

	sbx_names("shop", &s);
	snprintf(s.accept[0].host, sizeof(s.accept[0].host), "db.example");
	snprintf(s.accept[1].host, sizeof(s.accept[1].host), "10.0.0.0/8");
	snprintf(s.accept[2].host, sizeof(s.accept[2].host), "10.1.2.3");
	s.naccept = 3;
	ck_assert_int_eq(sbx_plan_resolve(&s, 0, &p), 1);
	ck_assert_int_eq(sbx_plan_resolve(&s, 1, &p), 0);
	ck_assert_int_eq(sbx_plan_resolve(&s, 2, &p), 0);
	ck_assert_int_eq(sbx_plan_resolve(&s, 3, &p), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_str_eq(p.steps[0].argv[0], "getent");
	ck_assert_str_eq(p.steps[0].argv[1], "ahostsv4");
	ck_assert_str_eq(p.steps[0].argv[2], "db.example");
	ck_assert_ptr_null(p.steps[0].argv[3]);
	ck_assert_uint_eq(p.steps[0].flags & PLAN_OUTPUT, PLAN_OUTPUT);
	plan_clear(&p);

	ck_assert_int_eq(sbx_resolved(&s.accept[0],
			     "10.0.0.5        STREAM db.example\n"
			     "10.0.0.5        DGRAM  \n"
			     "10.0.0.5        RAW    \n"
			     "10.0.0.6        STREAM \n"),
	    0);
	ck_assert_str_eq(s.accept[0].addrs, "10.0.0.5, 10.0.0.6");
	ck_assert_int_eq(sbx_resolved(&s.accept[0], ""), MCE_CONFIG);
	ck_assert_str_eq(s.accept[0].addrs, "");
	ck_assert_int_eq(sbx_resolved(&s.accept[0], "garbage\n"), MCE_CONFIG);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_conf);
	tcase_add_test(tc, test_conf_errors);
	tcase_add_test(tc, test_reverse_zone);
	tcase_add_test(tc, test_resolve);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
