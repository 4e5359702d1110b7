/* Module parameters: parse "name=value" strings into a module's module_param() variables. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "table/table.h"

static const char *const param_type_names[] = {
	[MODSIM_PARAM_INT] = "int",   [MODSIM_PARAM_UINT] = "uint",
	[MODSIM_PARAM_LONG] = "long", [MODSIM_PARAM_ULONG] = "ulong",
	[MODSIM_PARAM_BOOL] = "bool", [MODSIM_PARAM_CHARP] = "charp",
};

/* Why a value was refused: malformed, or well-formed but out of the type's range. */
enum parse_result { PARSE_OK, PARSE_BAD, PARSE_RANGE };

/* A number must be the whole string, with no leading blanks. */
static bool number_start_ok(const char *s)
{
	return *s && !isspace((unsigned char)*s);
}

static enum parse_result parse_signed(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!number_start_ok(s))
		return PARSE_BAD;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (*end)
		return PARSE_BAD;
	if (errno == ERANGE || v < min || v > max)
		return PARSE_RANGE;
	*out = v;
	return PARSE_OK;
}

static enum parse_result parse_unsigned(const char *s, unsigned long long max,
					unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!number_start_ok(s))
		return PARSE_BAD;
	if (*s == '-')
		return PARSE_RANGE; /* strtoull would wrap "-1" to the maximum */
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end)
		return PARSE_BAD;
	if (errno == ERANGE || v > max)
		return PARSE_RANGE;
	*out = v;
	return PARSE_OK;
}

static enum parse_result parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "y", "yes", "true", "on" };
	static const char *const no[] = { "0", "n", "no", "false", "off" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return PARSE_OK;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return PARSE_OK;
		}
	}
	return PARSE_BAD;
}

/* Keep @s in @m's list of kernel-owned strings; freed by modsim_params_free(). */
static int param_string_keep(struct modsim_mod *m, char *s)
{
	char **grown = realloc(m->param_strings, (m->nparam_strings + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	grown[m->nparam_strings++] = s;
	m->param_strings = grown;
	return 0;
}

/*
 * Write @len bytes to @p's variable.  The table is the module's word only:
 * the variable must lie in the module's own writable memory (else a
 * parameter could write anywhere in modsim), and is written through
 * modsim_probe_write() (a page the module made read-only is an error,
 * not a fault).
 */
static int param_store(struct modsim_mod *m, const struct modsim_param *p, const void *val,
		       size_t len)
{
	uintptr_t a = (uintptr_t)p->addr;

	for (unsigned int i = 0; i < m->nranges; i++) {
		const struct modsim_range *r = &m->ranges[i];

		if (!(r->prot & PROT_WRITE) || a < r->lo || a >= r->hi || len > r->hi - a)
			continue;
		if (modsim_probe_write(p->addr, val, len) == 0)
			return 0;
		break;
	}
	return modsim_err(-ENOEXEC, "insmod %s: parameter '%s' points at %p, not at writable memory of the module",
			  m->name, p->name, p->addr);
}

/* Parse @val by @p's type and write it to the module variable. */
static int param_set(struct modsim_mod *m, const struct modsim_param *p, const char *val)
{
	enum parse_result r = PARSE_BAD;
	unsigned long long u;
	long long v;
	bool b;
	char *copy;

	switch (p->type) {
	case MODSIM_PARAM_INT:
		r = parse_signed(val, INT_MIN, INT_MAX, &v);
		if (r == PARSE_OK) {
			int x = (int)v;

			return param_store(m, p, &x, sizeof(x));
		}
		break;
	case MODSIM_PARAM_UINT:
		r = parse_unsigned(val, UINT_MAX, &u);
		if (r == PARSE_OK) {
			unsigned int x = (unsigned int)u;

			return param_store(m, p, &x, sizeof(x));
		}
		break;
	case MODSIM_PARAM_LONG:
		r = parse_signed(val, LONG_MIN, LONG_MAX, &v);
		if (r == PARSE_OK) {
			long x = (long)v;

			return param_store(m, p, &x, sizeof(x));
		}
		break;
	case MODSIM_PARAM_ULONG:
		r = parse_unsigned(val, ULONG_MAX, &u);
		if (r == PARSE_OK) {
			unsigned long x = (unsigned long)u;

			return param_store(m, p, &x, sizeof(x));
		}
		break;
	case MODSIM_PARAM_BOOL:
		r = parse_bool(val, &b);
		if (r == PARSE_OK)
			return param_store(m, p, &b, sizeof(b));
		break;
	case MODSIM_PARAM_CHARP:
		copy = strdup(val);
		if (!copy || param_string_keep(m, copy)) {
			free(copy);
			return modsim_err(-ENOMEM, "insmod %s: out of memory for parameter '%s'",
					  m->name, p->name);
		}
		return param_store(m, p, &copy, sizeof(copy));
	default:
		return modsim_err(-EINVAL, "insmod %s: parameter '%s' has unknown type %d",
				  m->name, p->name, (int)p->type);
	}
	if (r == PARSE_OK)
		return 0;
	return modsim_err(-EINVAL, "insmod %s: invalid value '%s' for %s parameter '%s'%s", m->name,
			  val, param_type_names[p->type], p->name,
			  r == PARSE_RANGE ? " (out of range)" : "");
}

#define PARAM_TABLE_MAX 4096

/*
 * Find the entry of @m's parameter table named @name (@len bytes) and copy
 * it to @out, its name to @pname.  Return: 1 found, 0 not, or -errno with
 * a message.  The table lives in module memory and is read through
 * modsim_probe_read(): a broken descriptor may point it anywhere.
 */
static int param_find(struct modsim_mod *m, const char *name, size_t len,
		      struct modsim_param *out, char pname[MODSIM_NAME_MAX])
{
	const struct modsim_param *start, *end;
	struct module d;
	uintptr_t bytes;

	if (modsim_probe_read(&d, m->desc, sizeof(d)) != (long)sizeof(d))
		return modsim_err(-ENOEXEC, "insmod %s: its descriptor is not readable", m->name);
	start = d.params_start;
	end = d.params_end;
	if (!start || !end)
		return 0;
	bytes = (uintptr_t)end - (uintptr_t)start;
	if ((uintptr_t)end < (uintptr_t)start || bytes % sizeof(*start) ||
	    bytes / sizeof(*start) > PARAM_TABLE_MAX)
		return modsim_err(-ENOEXEC, "insmod %s: its parameter table (%p..%p) is not a table of parameters",
				  m->name, (const void *)start, (const void *)end);
	for (const struct modsim_param *p = start; p < end; p++) {
		long n;

		if (modsim_probe_read(out, p, sizeof(*out)) != (long)sizeof(*out))
			return modsim_err(-ENOEXEC, "insmod %s: its parameter table (%p..%p) is not readable at %p",
					  m->name, (const void *)start, (const void *)end,
					  (const void *)p);
		if (!out->name)
			continue; /* the section sentinel */
		n = modsim_probe_read(pname, out->name, MODSIM_NAME_MAX);
		if (n <= 0 || !memchr(pname, '\0', (size_t)n))
			return modsim_err(-ENOEXEC, "insmod %s: a parameter's name (%p) is not a readable string",
					  m->name, (const void *)out->name);
		if (strlen(pname) == len && !memcmp(pname, name, len)) {
			out->name = pname;
			return 1;
		}
	}
	return 0;
}

/*
 * Runs before init, with k->load_mutex held; the module's memory is mapped.
 * On failure, strings kept so far stay in m->param_strings for
 * modsim_params_free().
 */
int modsim_params_apply(struct modsim_mod *m, int nparams, char *const params[])
{
	char pname[MODSIM_NAME_MAX];
	struct modsim_param p;
	const char *eq;
	int i, err;

	if (nparams > 0 && !params)
		return modsim_err(-EINVAL, "insmod %s: parameter list missing", m->name);
	for (i = 0; i < nparams; i++) {
		if (!params[i])
			return modsim_err(-EINVAL, "insmod %s: parameter %d is NULL", m->name, i);
		eq = strchr(params[i], '=');
		if (!eq)
			return modsim_err(-EINVAL, "insmod %s: parameter '%s' is not name=value",
					  m->name, params[i]);
		err = param_find(m, params[i], (size_t)(eq - params[i]), &p, pname);
		if (err < 0)
			return err;
		if (!err)
			return modsim_err(-EINVAL, "insmod %s: unknown parameter '%.*s'", m->name,
					  (int)(eq - params[i]), params[i]);
		err = param_set(m, &p, eq + 1);
		if (err)
			return err;
	}
	return 0;
}

void modsim_params_free(struct modsim_mod *m)
{
	unsigned int i;

	for (i = 0; i < m->nparam_strings; i++)
		free(m->param_strings[i]);
	free(m->param_strings);
	m->param_strings = NULL;
	m->nparam_strings = 0;
}
