/* error.c: one table of error codes, one function to name them. */
#include "buildconf.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const texts[] = {
#define X(name, text) text,
    MCE_MAP(X)
#undef X
};

static const char *const names[] = {
#define X(name, text) "MCE_" #name,
    MCE_MAP(X)
#undef X
};

const char *
error_str(int code)
{
	if (code > MCE_BASE_ && code < MCE_LAST_)
		return texts[code - MCE_BASE_ - 1];
	if (code < 0 && code > -4096)
		return strerror(-code);
	if (code == 0)
		return "success";
	return "unknown error";
}

const char *
error_name(int code)
{
	if (code > MCE_BASE_ && code < MCE_LAST_)
		return names[code - MCE_BASE_ - 1];
	if (code < 0 && code > -4096) {
		const char *n = strerrorname_np(-code);
		return n != NULL ? n : "E?";
	}
	return code == 0 ? "OK" : "UNKNOWN";
}

void
error_init(struct error *err, const char *source)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->source, sizeof(err->source), "%s",
	    source != NULL ? source : "<string>");
}

void
error_vset(struct error *err, int line, int column, const char *fmt, va_list ap)
{
	if (err == NULL)
		return;
	err->line = line;
	err->column = column;
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
}

void
error_set(struct error *err, int line, int column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, line, column, fmt, ap);
	va_end(ap);
}

const char *
error_format(const struct error *err, char *buf, unsigned size)
{
	const char *src = err->source[0] != '\0' ? err->source : "<string>";

	if (err->line > 0 && err->column > 0)
		snprintf(buf, size, "%s:%d:%d: %s", src, err->line, err->column,
		    err->text);
	else if (err->line > 0)
		snprintf(buf, size, "%s:%d: %s", src, err->line, err->text);
	else
		snprintf(buf, size, "%s: %s", src, err->text);
	return buf;
}
