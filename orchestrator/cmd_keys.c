/*
 * cmd_keys.c: keygen, ca init, ca sign and cert show (lib/sign.h).
 *
 * A CA directory holds ca.key (0600), ca.pub and ca.name (the issuer name
 * written into every certificate it signs). The directory is created 0700.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "names.h"
#include "sign.h"
#include "orchestrator/cli.h"

#define CA_NAME_MAX CERT_ISSUER_MAX
#define DAYS_MAX 36500

static int
path_join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s%s", a, b);

	if (n < 0 || (size_t)n >= size) {
		cli_errx("path too long: %s%s", a, b);
		return -1;
	}
	return 0;
}

/* Generates a key pair into keypath (0600) and pubpath; reports errors. */
static int
write_keypair(const char *keypath, const char *pubpath)
{
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct sign_key *k = NULL;
	int r;

	if (access(pubpath, F_OK) == 0) {
		cli_errx("%s: %s", pubpath, error_str(-EEXIST));
		return -1;
	}
	if (sign_init() < 0 || (r = sign_key_generate(&k)) < 0) {
		cli_errx("cannot generate a key");
		return -1;
	}
	if ((r = sign_key_save(k, keypath)) < 0) {
		cli_errx("%s: %s", keypath, error_str(r));
		sign_key_free(k);
		return -1;
	}
	sign_key_public(k, pk);
	sign_key_free(k);
	if ((r = sign_pubkey_save(pk, pubpath)) < 0) {
		cli_errx("%s: %s", pubpath, error_str(r));
		unlink(keypath);
		return -1;
	}
	return 0;
}

int
cmd_keygen(int argc, char *argv[])
{
	char keypath[PATH_MAX], pubpath[PATH_MAX];

	if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
		cli_errx("usage: metactl keygen NAME");
		return MC_EXIT_USAGE;
	}
	if (path_join(keypath, sizeof(keypath), argv[1], ".key") < 0 ||
	    path_join(pubpath, sizeof(pubpath), argv[1], ".pub") < 0)
		return MC_EXIT_USAGE;
	if (write_keypair(keypath, pubpath) < 0)
		return MC_EXIT_USAGE;
	printf("%s\n%s\n", keypath, pubpath);
	return MC_EXIT_OK;
}

static int
ca_init(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"name", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	const char *name = "metactl-ca", *dir;
	char path[PATH_MAX], pubpath[PATH_MAX];
	FILE *f;
	int c, fd;

	optind = 0;
	while ((c = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		default:
			return MC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_errx("usage: metactl ca init [--name ISSUER] DIR");
		return MC_EXIT_USAGE;
	}
	dir = argv[optind];
	if (!cert_issuer_ok(name)) {
		cli_errx("--name: a CA name is 1 to %d bytes without control "
			 "characters",
		    CA_NAME_MAX);
		return MC_EXIT_USAGE;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		cli_errx("%s: %s", dir, strerror(errno));
		return MC_EXIT_USAGE;
	}
	if (path_join(path, sizeof(path), dir, "/ca.key") < 0 ||
	    path_join(pubpath, sizeof(pubpath), dir, "/ca.pub") < 0)
		return MC_EXIT_USAGE;
	if (access(path, F_OK) == 0) {
		cli_errx(
		    "%s already exists: refusing to replace a CA key", path);
		return MC_EXIT_USAGE;
	}
	if (write_keypair(path, pubpath) < 0)
		return MC_EXIT_USAGE;
	if (path_join(path, sizeof(path), dir, "/ca.name") < 0)
		return MC_EXIT_USAGE;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		cli_errx("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return MC_EXIT_USAGE;
	}
	fprintf(f, "%s\n", name);
	if (fclose(f) != 0) {
		cli_errx("%s: %s", path, strerror(errno));
		return MC_EXIT_USAGE;
	}
	printf("CA '%s' in %s; distribute %s to nodes and callers\n", name, dir,
	    pubpath);
	return MC_EXIT_OK;
}

/* The issuer name from DIR/ca.name, without its newline. */
static int
ca_read_name(const char *dir, char *buf, size_t size)
{
	char path[PATH_MAX], *text;
	struct error err;
	size_t len;
	int r;

	if (path_join(path, sizeof(path), dir, "/ca.name") < 0)
		return -1;
	if ((r = file_read(path, FILE_REGULAR | FILE_TEXT, size, &text, &len,
		 &err)) < 0) {
		cli_errx("%s: %s (is %s a CA directory? see metactl ca init)",
		    path, err.text, dir);
		return -1;
	}
	len = strcspn(text, "\r\n");
	snprintf(buf, size, "%.*s", (int)len, text);
	free(text);
	if (len == 0) {
		cli_errx("%s: empty", path);
		return -1;
	}
	return 0;
}

/* A public key from a .pub file, or given directly as base64. */
static int
load_pubkey_arg(const char *arg, unsigned char pk[SIGN_PUBLICKEYBYTES])
{
	int r;

	if (access(arg, F_OK) == 0) {
		if ((r = sign_pubkey_load(arg, pk)) < 0) {
			cli_errx("%s: %s", arg, error_str(r));
			return -1;
		}
		return 0;
	}
	if (sign_pubkey_parse(arg, pk) == 0)
		return 0;
	cli_errx("%s: not a public key file nor a base64 public key", arg);
	return -1;
}

static int
parse_days(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > DAYS_MAX) {
		cli_errx("--days: '%s' is not a number of days from 1 to %d", s,
		    DAYS_MAX);
		return -1;
	}
	*ret = v;
	return 0;
}

static int
ca_sign(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"ca", required_argument, NULL, 'c'},
	    {"role", required_argument, NULL, 'r'},
	    {"name", required_argument, NULL, 'n'},
	    {"days", required_argument, NULL, 'd'},
	    {"output", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	const char *cadir = NULL, *role_s = NULL, *name = NULL, *out = NULL;
	char issuer[CA_NAME_MAX + 2], path[PATH_MAX], outbuf[PATH_MAX],
	    why[300];
	unsigned char pk[SIGN_PUBLICKEYBYTES];
	struct sign_key *ca = NULL;
	enum cert_role role;
	json_t *doc = NULL;
	long days = 365;
	int64_t now;
	int c, r, force = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:r:n:d:o:f", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'c':
			cadir = optarg;
			break;
		case 'r':
			role_s = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'd':
			if (parse_days(optarg, &days) < 0)
				return MC_EXIT_USAGE;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default:
			return MC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || cadir == NULL || role_s == NULL ||
	    name == NULL) {
		cli_errx("usage: metactl ca sign --ca DIR --role caller|node "
			 "--name NAME [--days N] [-o FILE] [--force] PUBKEY");
		return MC_EXIT_USAGE;
	}
	if (strcmp(role_s, "caller") == 0)
		role = CERT_ROLE_CALLER;
	else if (strcmp(role_s, "node") == 0)
		role = CERT_ROLE_NODE;
	else {
		cli_errx("--role: '%s' is neither caller nor node", role_s);
		return MC_EXIT_USAGE;
	}
	if (name_check(NAME_CERT, name, why, sizeof(why)) < 0) {
		cli_errx("--name: %s", why);
		return MC_EXIT_USAGE;
	}
	if (out == NULL) {
		if (path_join(outbuf, sizeof(outbuf), name, ".crt") < 0)
			return MC_EXIT_USAGE;
		out = outbuf;
	}
	if (sign_init() < 0 || ca_read_name(cadir, issuer, sizeof(issuer)) < 0)
		return MC_EXIT_USAGE;
	if (load_pubkey_arg(argv[optind], pk) < 0)
		return MC_EXIT_USAGE;
	if (path_join(path, sizeof(path), cadir, "/ca.key") < 0)
		return MC_EXIT_USAGE;
	if ((r = sign_key_load(path, &ca)) < 0) {
		cli_errx("%s: %s", path, error_str(r));
		return MC_EXIT_USAGE;
	}
	now = (int64_t)time(NULL);
	r = cert_issue(
	    ca, issuer, name, role, pk, now, now + (int64_t)days * 86400, &doc);
	sign_key_free(ca);
	if (r < 0) {
		cli_errx("cannot issue the certificate: %s", error_str(r));
		return MC_EXIT_USAGE;
	}
	r = cert_save(doc, out, force);
	json_decref(doc);
	if (r == -EEXIST) {
		cli_errx("%s already exists: refusing to replace a certificate "
			 "(--force replaces it)",
		    out);
		return MC_EXIT_USAGE;
	}
	if (r < 0) {
		cli_errx("%s: %s", out, error_str(r));
		return MC_EXIT_USAGE;
	}
	printf("%s\n", out);
	return MC_EXIT_OK;
}

int
cmd_ca(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return ca_init(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return ca_sign(argc - 1, argv + 1);
	cli_errx("usage: metactl ca init DIR | metactl ca sign --ca DIR ...");
	return MC_EXIT_USAGE;
}

static const char *
validity(const struct cert *c, int64_t now)
{
	if (now < c->not_before)
		return "not yet valid";
	if (now > c->not_after)
		return "expired";
	return "valid";
}

int
cmd_cert(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"ca", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	const char *capath = NULL, *trust = "not checked (use --ca)";
	unsigned char capk[SIGN_PUBLICKEYBYTES], pk[SIGN_PUBLICKEYBYTES];
	char nb[32], na[32];
	struct cert *crt = NULL, *vcrt = NULL;
	struct error err;
	json_t *doc = NULL;
	char *pub = NULL;
	int64_t now = (int64_t)time(NULL);
	int c, r, json = 0, ret = MC_EXIT_USAGE;

	if (argc < 2 || strcmp(argv[1], "show") != 0) {
		cli_errx(
		    "usage: metactl cert show [--json] [--ca CA.pub] FILE");
		return MC_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "jc:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'c':
			capath = optarg;
			break;
		default:
			return MC_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_errx(
		    "usage: metactl cert show [--json] [--ca CA.pub] FILE");
		return MC_EXIT_USAGE;
	}
	error_init(&err, argv[optind]);
	if ((r = cert_load(argv[optind], &doc, &err)) < 0 ||
	    (r = cert_parse(doc, &crt, &err)) < 0) {
		char buf[512];

		cli_errx("%s (%s)", error_format(&err, buf, sizeof(buf)),
		    error_str(r));
		goto out;
	}
	if (capath != NULL) {
		if (sign_init() < 0)
			goto out;
		if ((r = sign_pubkey_load(capath, capk)) < 0) {
			cli_errx("%s: %s", capath, error_str(r));
			goto out;
		}
		r = cert_verify(doc, capk, NULL, now, &vcrt, &err);
		trust = r == 0 ? "signed by the given CA" : error_str(r);
	}
	memcpy(pk, crt->pubkey, sizeof(pk));
	pub = sign_pubkey_format(pk);
	cert_time_format(crt->not_before, nb, sizeof(nb));
	cert_time_format(crt->not_after, na, sizeof(na));
	if (json) {
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}",
			"name", crt->name, "role", cert_role_str(crt->role),
			"issuer", crt->issuer != NULL ? crt->issuer : "",
			"pubkey", pub != NULL ? pub : "", "not_before",
			(json_int_t)crt->not_before, "not_after",
			(json_int_t)crt->not_after, "validity",
			validity(crt, now), "trust", trust);

		if (o == NULL)
			goto out;
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(o);
	} else {
		printf("name:        %s\n"
		       "role:        %s\n"
		       "issuer:      %s\n"
		       "public key:  %s\n"
		       "not before:  %s\n"
		       "not after:   %s\n"
		       "validity:    %s\n"
		       "trust:       %s\n",
		    crt->name, cert_role_str(crt->role),
		    crt->issuer != NULL ? crt->issuer : "",
		    pub != NULL ? pub : "", nb, na, validity(crt, now), trust);
	}
	ret = MC_EXIT_OK;
	if (capath != NULL && vcrt == NULL)
		ret = MC_EXIT_FAILED;
out:
	free(pub);
	cert_free(crt);
	cert_free(vcrt);
	json_decref(doc);
	return ret;
}
