/* Module parameters: parse "name=value" strings into a module's module_param() variables. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
		if (r == PARSE_OK)
			*(int *)p->addr = (int)v;
		break;
	case MODSIM_PARAM_UINT:
		r = parse_unsigned(val, UINT_MAX, &u);
		if (r == PARSE_OK)
			*(unsigned int *)p->addr = (unsigned int)u;
		break;
	case MODSIM_PARAM_LONG:
		r = parse_signed(val, LONG_MIN, LONG_MAX, &v);
		if (r == PARSE_OK)
			*(long *)p->addr = (long)v;
		break;
	case MODSIM_PARAM_ULONG:
		r = parse_unsigned(val, ULONG_MAX, &u);
		if (r == PARSE_OK)
			*(unsigned long *)p->addr = (unsigned long)u;
		break;
	case MODSIM_PARAM_BOOL:
		r = parse_bool(val, &b);
		if (r == PARSE_OK)
			*(bool *)p->addr = b;
		break;
	case MODSIM_PARAM_CHARP:
		copy = strdup(val);
		if (!copy || param_string_keep(m, copy)) {
			free(copy);
			return modsim_err(-ENOMEM, "insmod %s: out of memory for parameter '%s'",
					  m->name, p->name);
		}
		*(char **)p->addr = copy;
		return 0;
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

/* The entry of @m's parameter table named @name (@len bytes), or NULL. */
static const struct modsim_param *param_find(struct modsim_mod *m, const char *name, size_t len)
{
	const struct modsim_param *p;

	if (!m->desc->params_start || !m->desc->params_end)
		return NULL;
	for (p = m->desc->params_start; p < m->desc->params_end; p++) {
		if (!p->name)
			continue; /* the section sentinel */
		if (strlen(p->name) == len && !memcmp(p->name, name, len))
			return p;
	}
	return NULL;
}

/*
 * Runs before init, with k->load_mutex held; the module's memory is mapped.
 * On failure, strings kept so far stay in m->param_strings for
 * modsim_params_free().
 */
int modsim_params_apply(struct modsim_mod *m, int nparams, char *const params[])
{
	const struct modsim_param *p;
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
		p = param_find(m, params[i], (size_t)(eq - params[i]));
		if (!p)
			return modsim_err(-EINVAL, "insmod %s: unknown parameter '%.*s'", m->name,
					  (int)(eq - params[i]), params[i]);
		err = param_set(m, p, eq + 1);
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
