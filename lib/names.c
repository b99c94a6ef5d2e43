/* names.c: see names.h. */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGIT "0123456789"

/* How each rule is checked; the public part comes first. */
struct rule {
	struct name_rule r;
	const char *first; /* allowed first bytes; NULL: as rest */
	const char *rest; /* allowed bytes; NULL: see refuse/printable */
	const char *refuse; /* with rest NULL: bytes refused (and blanks) */
	int printable; /* with rest NULL: 0x20..0x7e only */
	int no_dotdot; /* ".." nowhere */
	const char *first_text; /* why a first byte is refused */
	const char *too_long; /* "longer than N characters" */
};

#define ID_CHARS UPPER LOWER DIGIT "_.@-"
#define FACT_REFUSED "()=!<>~\"'"

static const struct rule rules[NAME_KINDS] = {
    [NAME_IDENTITY] = {{"identity", "a node identity", NAME_IDENTITY_MAX,
			   "letters, digits, '.', '_', '@' and '-' only",
			   "^[A-Za-z0-9_.@-]+$",
			   "the node queue metactl.node.IDENTITY is an AMQP "
			   "short string: 255 - 13 bytes"},
	.rest = ID_CHARS,
	.too_long = "longer than " STR(NAME_IDENTITY_MAX) " characters"},
    [NAME_CERT] = {{"certificate", "a certificate name", NAME_IDENTITY_MAX,
		       "letters, digits, '.', '_', '@' and '-' only",
		       "^[A-Za-z0-9_.@-]+$",
		       "a node certificate's name is the node's identity; "
		       "callers follow the same rule (alice@example.com)"},
	.rest = ID_CHARS,
	.too_long = "longer than " STR(NAME_IDENTITY_MAX) " characters"},
    [NAME_COLLECTIVE] = {{"collective", "a collective name",
			     NAME_COLLECTIVE_MAX,
			     "letters, digits, '_' and '-' only",
			     "^[A-Za-z0-9_-]+$",
			     "one word of the routing key COLLECTIVE.AGENT"},
	.rest = UPPER LOWER DIGIT "_-",
	.too_long = "longer than " STR(NAME_COLLECTIVE_MAX) " characters"},
    [NAME_AGENT] = {{"agent", "an agent name", NAME_AGENT_MAX,
			"a lowercase letter, then lowercase letters, digits "
			"and '_' only",
			"^[a-z][a-z0-9_]*$",
			"one word of the routing key COLLECTIVE.AGENT and "
			"the file names AGENT.json and AGENT"},
	.first = LOWER, .rest = LOWER DIGIT "_",
	.first_text = "the first character must be a lowercase letter",
	.too_long = "longer than " STR(NAME_AGENT_MAX) " characters"},
    [NAME_ACTION] = {{"action", "an action name", NAME_ACTION_MAX,
			 "a letter, then letters, digits, '_' and '-' only",
			 "^[A-Za-z][A-Za-z0-9_-]*$",
			 "a key of the agent's DDL \"actions\""},
	.first = UPPER LOWER, .rest = UPPER LOWER DIGIT "_-",
	.first_text = "the first character must be a letter",
	.too_long = "longer than " STR(NAME_ACTION_MAX) " characters"},
    [NAME_APP] = {{"app", "an app name", NAME_APP_MAX,
		      "letters, digits, '.', '_' and '-' only",
		      "^[A-Za-z0-9_]([.]?[A-Za-z0-9_-])*[.]?$",
		      "the directory APPS/APP: no '/', no \"..\", no "
		      "leading '-' or '.'"},
	.first = UPPER LOWER DIGIT "_", .rest = UPPER LOWER DIGIT "._-",
	.no_dotdot = 1,
	.first_text = "the first character must be a letter, a digit or '_'",
	.too_long = "longer than " STR(NAME_APP_MAX) " characters"},
    [NAME_TAG] = {{"tag", "a tag name", NAME_TAG_MAX,
		      "letters, digits, '.', '_', '+' and '-' only",
		      "^[A-Za-z0-9_]([.]?[A-Za-z0-9_+-])*[.]?$",
		      "the directory APPS/APP/releases/TAG: no '/', no "
		      "\"..\", no leading '-' or '.'"},
	.first = UPPER LOWER DIGIT "_", .rest = UPPER LOWER DIGIT "._+-",
	.no_dotdot = 1,
	.first_text = "the first character must be a letter, a digit or '_'",
	.too_long = "longer than " STR(NAME_TAG_MAX) " characters"},
    [NAME_FACT] = {{"fact", "a fact name", NAME_FACT_MAX,
		       "no blanks and none of ( ) = ! < > ~ \" '",
		       "^[^ \\t\\n\\v\\f\\r()=!<>~\"']+$",
		       "what the filter grammar reads as one name: a dotted "
		       "path into the facts"},
	.refuse = FACT_REFUSED,
	.too_long = "longer than " STR(NAME_FACT_MAX) " bytes"},
    [NAME_CALLER] = {{"caller", "a caller claim", NAME_CALLER_MAX,
			 "printable ASCII characters only", "^[ -~]+$",
			 "what a request claims as its sender; only logged"},
	.printable = 1,
	.too_long = "longer than " STR(NAME_CALLER_MAX) " characters"},
    [NAME_DAEMON] = {{"daemon", "a daemon name", NAME_DAEMON_MAX,
			 "letters, digits and '_' only", "^[A-Za-z0-9_]+$",
			 "the service metactl-APP-DAEMON: without '-' the "
			 "last '-' of the name ends the app"},
	.rest = UPPER LOWER DIGIT "_",
	.too_long = "longer than " STR(NAME_DAEMON_MAX) " characters"},
};

const struct name_rule *
name_rule(enum name_kind kind)
{
	if ((unsigned)kind >= NAME_KINDS)
		return NULL;
	return &rules[kind].r;
}

/* Whether byte c may stand at position i of a name of rule r. */
static int
byte_ok(const struct rule *r, unsigned char c, size_t i)
{
	const char *set = i == 0 && r->first != NULL ? r->first : r->rest;

	if (c == '\0')
		return 0;
	if (set != NULL)
		return strchr(set, c) != NULL;
	if (r->printable)
		return c >= 0x20 && c <= 0x7e;
	return strchr(" \t\n\v\f\r", c) == NULL &&
	    (r->refuse == NULL || strchr(r->refuse, c) == NULL);
}

enum fault {
	FAULT_NONE,
	FAULT_EMPTY,
	FAULT_LONG,
	FAULT_FIRST,
	FAULT_CHAR,
	FAULT_DOTDOT
};

/* What is wrong with s, and where (*ret_at: FIRST, CHAR, DOTDOT). */
static enum fault
fault(const struct rule *r, const char *s, size_t *ret_at)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return FAULT_EMPTY;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == r->r.max)
			return FAULT_LONG;
		*ret_at = i;
		if (!byte_ok(r, (unsigned char)s[i], i))
			return i == 0 && r->first != NULL &&
				byte_ok(r, (unsigned char)s[i], 1)
			    ? FAULT_FIRST
			    : FAULT_CHAR;
		if (r->no_dotdot && i > 0 && s[i] == '.' && s[i - 1] == '.')
			return FAULT_DOTDOT;
	}
	return FAULT_NONE;
}

int
name_ok(enum name_kind kind, const char *s)
{
	size_t at;

	return (unsigned)kind < NAME_KINDS &&
	    fault(&rules[kind], s, &at) == FAULT_NONE;
}

const char *
name_why(enum name_kind kind, const char *s)
{
	const struct rule *r;
	size_t at;

	if ((unsigned)kind >= NAME_KINDS)
		return "unknown kind of name";
	r = &rules[kind];
	switch (fault(r, s, &at)) {
	case FAULT_NONE:
		return NULL;
	case FAULT_EMPTY:
		return "empty";
	case FAULT_LONG:
		return r->too_long;
	case FAULT_FIRST:
		return r->first_text;
	case FAULT_CHAR:
		return r->r.chars_text;
	case FAULT_DOTDOT:
		return "\"..\" is not allowed";
	}
	return "invalid";
}

int
name_check(enum name_kind kind, const char *s, char *buf, size_t size)
{
	char shown[68], c[8];
	const struct rule *r;
	enum fault f;
	size_t i, at = 0;

	if ((unsigned)kind >= NAME_KINDS)
		return -EINVAL;
	r = &rules[kind];
	if ((f = fault(r, s, &at)) == FAULT_NONE)
		return 0;
	for (i = 0; s != NULL && s[i] != '\0' && i < 64; i++)
		shown[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	snprintf(shown + i, sizeof(shown) - i, "%s",
	    s != NULL && s[i] != '\0' ? "..." : "");
	if (f != FAULT_CHAR) {
		snprintf(buf, size, "'%s' is not %s: %s", shown, r->r.noun,
		    name_why(kind, s));
		return -EINVAL;
	}
	if (s[at] >= 0x20 && s[at] <= 0x7e)
		snprintf(c, sizeof(c), "'%c'", s[at]);
	else
		snprintf(c, sizeof(c), "0x%02x", (unsigned char)s[at]);
	snprintf(buf, size, "'%s' is not %s: %s is not allowed (%s)", shown,
	    r->r.noun, c, r->r.chars_text);
	return -EINVAL;
}
