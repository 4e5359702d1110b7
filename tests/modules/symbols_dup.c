/* Test module: exports a name exp_a already exports, so its load is refused. */
#include <modsim/module.h>

long exp_a_add(long x);

/* A second definition of exp_a's export; -Bsymbolic binds our own use to it. */
long exp_a_add(long x)
{
	return x - 1;
}
EXPORT_SYMBOL(exp_a_add);

static int symbols_dup_init(void)
{
	return 0;
}

static void symbols_dup_exit(void)
{
}

MODSIM_MODULE(.name = "symbols_dup", .init = symbols_dup_init, .exit = symbols_dup_exit,
	      .hazard = "-", .description = "exports exp_a_add a second time");
