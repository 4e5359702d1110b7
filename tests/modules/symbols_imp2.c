/* Test module: a second direct importer of exp_a_add (two users of one exporter). */
#include <errno.h>

#include <modsim/module.h>

extern long exp_a_add(long x);

static int symbols_imp2_init(void)
{
	return exp_a_add(1) == 2 ? 0 : -EINVAL;
}

static void symbols_imp2_exit(void)
{
}

MODSIM_MODULE(.name = "symbols_imp2", .init = symbols_imp2_init, .exit = symbols_imp2_exit,
	      .hazard = "-", .description = "imports exp_a_add from exp_a, like imp_b");
