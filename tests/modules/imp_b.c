/* Test module: calls exp_a's exported function directly, so it depends on exp_a. */
#include <errno.h>

#include <modsim/module.h>

/* Bound by the dynamic linker when imp_b is loaded: exp_a must be loaded first. */
extern long exp_a_add(long x);

long imp_b_add2(long x);

/* Adds two through exp_a. */
long imp_b_add2(long x)
{
	return exp_a_add(exp_a_add(x));
}
EXPORT_SYMBOL(imp_b_add2);

static int imp_b_init(void)
{
	return exp_a_add(41) == 42 ? 0 : -EINVAL;
}

static void imp_b_exit(void)
{
}

MODSIM_MODULE(.name = "imp_b", .init = imp_b_init, .exit = imp_b_exit, .hazard = "-",
	      .description = "imports exp_a_add from exp_a");
