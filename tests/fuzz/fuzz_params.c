/*
 * libFuzzer harness: the module parameter parser (modsim_params_apply, as
 * insmod NAME x=1 runs it, over a table with one parameter of each type)
 * and a scenario's "params =" list (modsim_scenario_params).  The input is
 * split at NUL bytes into parameter strings.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab/scenario.h"

#include "kernel/units.h"

#define MAX_PARAMS 16

static int p_int;
static unsigned int p_uint;
static long p_long;
static unsigned long p_ulong;
static bool p_bool;
static char *p_charp;

static const struct modsim_param table[] = {
	{ .name = "i", .type = MODSIM_PARAM_INT, .addr = &p_int },
	{ .name = "u", .type = MODSIM_PARAM_UINT, .addr = &p_uint },
	{ .name = "l", .type = MODSIM_PARAM_LONG, .addr = &p_long },
	{ .name = "ul", .type = MODSIM_PARAM_ULONG, .addr = &p_ulong },
	{ .name = "b", .type = MODSIM_PARAM_BOOL, .addr = &p_bool },
	{ .name = "s", .type = MODSIM_PARAM_CHARP, .addr = &p_charp },
	{ .name = NULL }, /* the section sentinel, as a real table may hold */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct module desc = { .params_start = table,
				      .params_end = table + sizeof(table) / sizeof(table[0]) };
	static struct scn_module sm;
	struct modsim_mod m;
	char *buf = malloc(size + 1), *params[MAX_PARAMS], *p;
	int n = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf; p <= buf + size && n < MAX_PARAMS; p += strlen(p) + 1)
		params[n++] = p;
	memset(&m, 0, sizeof(m));
	strcpy(m.name, "fuzz");
	m.desc = &desc;
	(void)modsim_params_apply(&m, n, params);
	modsim_params_free(&m);
	snprintf(sm.spec, sizeof(sm.spec), "fuzz");
	(void)modsim_scenario_params(&sm, buf);
	free(buf);
	return 0;
}
