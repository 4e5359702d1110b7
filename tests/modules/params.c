/* Test module: one module_param() of every type, read back through params_get(). */
#include <stdbool.h>
#include <stdint.h>

#include <modsim/module.h>

static int count = -7;
module_param(count, int, "an int");
static unsigned int mask = 7;
module_param(mask, uint, "an unsigned int");
static long offset = -70;
module_param(offset, long, "a long");
static unsigned long limit = 70;
module_param(limit, ulong, "an unsigned long");
static bool verbose;
module_param(verbose, bool, "a bool");
static char *label;
module_param(label, charp, "a string");

enum { PARAMS_COUNT, PARAMS_MASK, PARAMS_OFFSET, PARAMS_LIMIT, PARAMS_VERBOSE, PARAMS_LABEL };

long params_get(long which);

/* The current value of parameter @which (the enum above); label as its address. */
long params_get(long which)
{
	switch (which) {
	case PARAMS_COUNT:
		return count;
	case PARAMS_MASK:
		return (long)mask;
	case PARAMS_OFFSET:
		return offset;
	case PARAMS_LIMIT:
		return (long)limit;
	case PARAMS_VERBOSE:
		return verbose;
	case PARAMS_LABEL:
		return (long)(intptr_t)label;
	}
	return -1;
}
EXPORT_SYMBOL(params_get);

static int params_init(void)
{
	return 0;
}

static void params_exit(void)
{
}

MODSIM_MODULE(.name = "params", .init = params_init, .exit = params_exit, .hazard = "-",
	      .description = "one parameter of each type");
