/* Test module: exports a function and a variable, for importers and symbol_get. */
#include <modsim/module.h>

long exp_a_add(long x);
long exp_a_calls;

/* Adds one; counts its calls in an exported variable. */
long exp_a_add(long x)
{
	exp_a_calls++;
	return x + 1;
}
EXPORT_SYMBOL(exp_a_add);
EXPORT_SYMBOL(exp_a_calls);

static int exp_a_init(void)
{
	return 0;
}

static void exp_a_exit(void)
{
}

MODSIM_MODULE(.name = "exp_a", .init = exp_a_init, .exit = exp_a_exit, .hazard = "-",
	      .description = "exports exp_a_add and exp_a_calls");
