/*
 * fuzz_cert.c: certificates from outside. The input is tried as a signed
 * certificate document (parsed, then verified against a fixed CA key at a
 * fixed time) and as the certificate text inside a document, which
 * exercises the field checks that a forged signature would hide.
 *
 * CA_PUBKEY is the key tests/unit/gen_messages.c signs the seed corpus
 * with (from its CA_SEED).
 */
#include "buildconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "sign.h"

#define CA_PUBKEY "CXNma9gtnDCqzNq5JlbY335WF3PFnv6PenNpWtInZ1U="
#define NOW_S 1800000000LL
#define ANY_SIGNATURE \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"AAAAAAAAAAAAAAAAAA=="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char ca_pk[SIGN_PUBLICKEYBYTES];

static void
check_doc(const json_t *doc)
{
	struct cert *c = NULL;
	struct error err;
	int rc;

	if (cert_parse(doc, &c, &err) == 0) {
		if (c->not_after < c->not_before || c->name[0] == '\0')
			abort();
		cert_free(c);
	}
	rc = cert_verify(doc, ca_pk, NULL, NOW_S, &c, &err);
	if (rc == 0) {
		if (c->not_before > NOW_S || c->not_after < NOW_S)
			abort();
		cert_free(c);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err;
	json_t *doc;

	if (sign_init() != 0 || sign_pubkey_parse(CA_PUBKEY, ca_pk) != 0)
		abort();
	doc = message_parse_json((const char *)data, size, &err);
	if (doc != NULL) {
		check_doc(doc);
		json_decref(doc);
	}
	doc = json_pack("{s:s%,s:s}", "certificate", (const char *)data, size,
	    "signature", ANY_SIGNATURE);
	if (doc != NULL) {
		check_doc(doc);
		json_decref(doc);
	}
	return 0;
}
