/* test_lbreg.c: an app's [lb] and the exact steps of each operation. */
#include "buildconf.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "appconf.h"
#include "plugins/lbreg/lb.h"
#include "tests/unit/testutil.h"

static const struct node_apps apps = {
    .svwait = "/usr/libexec/metactl/metactl-svwait"};
static const struct node_info node = {.identity = "web1", .apps = &apps};

/* The app "shop" whose .metactl is text; NULL with err set when refused. */
static struct appconf *
load(const char *text, struct error *err)
{
	struct appconf_src src[APPCONF_NLAYERS] = {
	    {.path = "shop.metactl", .text = text, .len = strlen(text)}};
	struct appconf *a = NULL;

	error_init(err, "shop");
	if (appconf_load("shop", src, &a, err) < 0)
		return NULL;
	return a;
}

/* Step i of the plan for op, its argv joined by '|' (file steps: their
 * kind and path). */
static void
plan_of(const char *text, enum lb_op op, size_t i, char *got, size_t size)
{
	struct appconf *a;
	struct lb_conf lb;
	struct plan p = {0};
	struct error err;

	ck_assert_ptr_nonnull(a = load(text, &err));
	ck_assert_int_eq(lb_conf_get(a, &node, &lb, &err), 0);
	ck_assert_int_eq(lb_plan(&lb, op, &p, &err), 0);
	ck_assert_uint_gt(p.n, i);
	got[0] = '\0';
	if (p.steps[i].kind == PLAN_RUN)
		for (char **v = p.steps[i].argv; *v != NULL; v++)
			snprintf(got + strlen(got), size - strlen(got), "%s%s",
			    v == p.steps[i].argv ? "" : "|", *v);
	else
		snprintf(
		    got, size, "%d %s", (int)p.steps[i].kind, p.steps[i].path);
	plan_clear(&p);
	appconf_free(a);
}

#define HA "[lb]\nbackend = app\nport = 8080\nweight = 5\ncheck = on\n"
#define LBCTL \
	"/usr/libexec/metactl/metactl-lbctl|--socket|/run/haproxy/admin.sock|" \
	"--server|app/web1|--owner|127.0.0.1:8080|"

START_TEST(test_haproxy)
{
	char got[2048];

	plan_of(HA, LB_REGISTER, 0, got, sizeof(got));
	ck_assert_str_eq(got,
	    LBCTL "--if-missing|add server app/web1 127.0.0.1:8080 weight 5 "
		  "check|set server app/web1 addr 127.0.0.1 port 8080|"
		  "set server app/web1 weight 5|enable health app/web1|"
		  "set server app/web1 state ready|--wait-up|30000");
	plan_of(HA, LB_READY, 0, got, sizeof(got));
	ck_assert_ptr_nonnull(strstr(got,
	    "|enable health app/web1|set server app/web1 health down|"
	    "set server app/web1 state ready|--wait-up|30000"));
	plan_of(HA, LB_DRAIN, 0, got, sizeof(got));
	ck_assert_str_eq(got,
	    LBCTL "--if-present|set server app/web1 state "
		  "drain|--wait-idle|30000");
	plan_of(HA, LB_DEREGISTER, 0, got, sizeof(got));
	ck_assert_str_eq(got,
	    LBCTL "--if-present|set server app/web1 state "
		  "maint|--wait-idle|30000|del server "
		  "app/web1");
	plan_of(HA, LB_STATUS, 0, got, sizeof(got));
	ck_assert_str_eq(got, LBCTL "--status");
}
END_TEST

/* Without server and address, a sandboxed app's server is its DNS name at
 * its sandbox's IP; [lb] still wins, and without a sandbox the node. */
START_TEST(test_sandbox)
{
	const char *net = "[sandbox.net]\nip = 10.77.0.5/24\n";
	const char *dns =
	    "[sandbox.dns]\nserver = 10.0.0.53\nzone = apps.lan\n";
	char text[512], got[2048];

	snprintf(text, sizeof(text), "%s%s%s", HA, net, dns);
	plan_of(text, LB_REGISTER, 0, got, sizeof(got));
	ck_assert_ptr_nonnull(strstr(got,
	    "|--server|app/shop.web1.apps.lan|--owner|10.77.0.5:8080|"
	    "--if-missing|add server app/shop.web1.apps.lan 10.77.0.5:8080 "
	    "weight 5 check|set server app/shop.web1.apps.lan addr 10.77.0.5 "
	    "port 8080|"));
	snprintf(text, sizeof(text), "%s%s", HA, net);
	plan_of(text, LB_DRAIN, 0, got, sizeof(got));
	ck_assert_str_eq(got,
	    "/usr/libexec/metactl/metactl-lbctl|--socket|/run/haproxy/"
	    "admin.sock|--server|app/web1|--owner|10.77.0.5:8080|"
	    "--if-present|set server app/web1 state drain|--wait-idle|30000");
	snprintf(text, sizeof(text), "%s%sname = shop.example\n", HA, net);
	plan_of(text, LB_DRAIN, 0, got, sizeof(got));
	ck_assert_ptr_nonnull(strstr(got,
	    "|--owner|10.77.0.5:8080|--if-present|set server "
	    "app/shop.example state drain|"));
	snprintf(text, sizeof(text), "%sserver = s1\naddress = 192.0.2.1\n%s%s",
	    HA, net, dns);
	plan_of(text, LB_DRAIN, 0, got, sizeof(got));
	ck_assert_ptr_nonnull(strstr(got,
	    "|--owner|192.0.2.1:8080|--if-present|set server app/s1 state "
	    "drain|"));
	snprintf(text, sizeof(text), "%s%senabled = no\n%s", HA, net, dns);
	plan_of(text, LB_DRAIN, 0, got, sizeof(got));
	ck_assert_ptr_nonnull(strstr(got,
	    "|--owner|127.0.0.1:8080|--if-present|set server app/web1 state "
	    "drain|"));
}
END_TEST

START_TEST(test_file)
{
	const char *text = "[lb]\ntype = file\nfile = /etc/nginx/up/shop.conf\n"
			   "reload = /usr/sbin/nginx -s reload\nport = 81\n";
	char got[2048], sbx[512];

	plan_of(text, LB_REGISTER, 0, got, sizeof(got));
	ck_assert_str_eq(got, "1 /etc/nginx/up/shop.conf");
	plan_of(text, LB_REGISTER, 1, got, sizeof(got));
	ck_assert_str_eq(got, "/usr/sbin/nginx|-s|reload");
	plan_of(text, LB_DEREGISTER, 0, got, sizeof(got));
	ck_assert_str_eq(got, "3 /etc/nginx/up/shop.conf");
	/* A drain and a deregister wait for the connections after the
	 * reload; status counts them; a sandboxed app's in its namespace. */
	plan_of(text, LB_DRAIN, 2, got, sizeof(got));
	ck_assert_str_eq(got,
	    "/usr/libexec/metactl/metactl-connwait|127.0.0.1|81|--wait-idle|"
	    "30000");
	plan_of(text, LB_DEREGISTER, 2, got, sizeof(got));
	ck_assert_str_eq(got,
	    "/usr/libexec/metactl/metactl-connwait|127.0.0.1|81|--wait-idle|"
	    "30000");
	plan_of(text, LB_STATUS, 0, got, sizeof(got));
	ck_assert_str_eq(
	    got, "/usr/libexec/metactl/metactl-connwait|127.0.0.1|81|--count");
	snprintf(sbx, sizeof(sbx), "%s[sandbox.net]\nip = 10.77.0.5\n", text);
	plan_of(sbx, LB_DRAIN, 2, got, sizeof(got));
	ck_assert_str_eq(got,
	    "/usr/libexec/metactl/metactl-connwait|10.77.0.5|81|--netns|"
	    "/run/netns/metactl-shop|--wait-idle|30000");
}
END_TEST

/* lb_conf_get() refuses text with a message holding want. */
static void
refused(const char *text, const char *want)
{
	struct appconf *a;
	struct lb_conf lb;
	struct error err;

	ck_assert_ptr_nonnull(a = load(text, &err));
	ck_assert_int_eq(lb_conf_get(a, &node, &lb, &err), -EINVAL);
	ck_assert_msg(strstr(err.text, want) != NULL, "%s", err.text);
	appconf_free(a);
}

START_TEST(test_errors)
{
	struct appconf *a;
	struct lb_conf lb;
	struct error err;

	ck_assert_ptr_nonnull(a = load("[env]\nX = 1\n", &err));
	ck_assert_int_eq(lb_conf_get(a, &node, &lb, &err), -ENOENT);
	appconf_free(a);
	refused("[lb]\nport = 80\n", "backend");
	refused("[lb]\nbackend = app\n", "port");
	refused("[lb]\nbackend = a b\nport = 80\n", "backend");
	refused("[lb]\nbackend = app\nport = 80\nweight = 300\n", "weight");
	refused("[lb]\nbackend = app\nport = 80\nsocket = rel\n", "socket");
	refused("[lb]\ntype = f5\nport = 80\n", "type");
	refused("[lb]\ntype = file\nport = 80\n", "file");
	refused("[lb]\ntype = file\nfile = /x\nport = 80\n", "reload");
	ck_assert_ptr_null(load("[lb]\nport = 80\nsever = x\n", &err));
	ck_assert_ptr_nonnull(strstr(err.text, "unknown key \"sever\""));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lbreg");
	TCase *tc = tcase_create("lb");

	tcase_add_test(tc, test_haproxy);
	tcase_add_test(tc, test_sandbox);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
