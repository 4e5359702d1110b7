/* Test module: imports a symbol that no module exports, so it cannot load. */
#include <errno.h>

#include <modsim/module.h>

extern long nobody_exports_this(long x);

static int imp_missing_init(void)
{
	return nobody_exports_this(1) == 2 ? 0 : -EINVAL;
}

static void imp_missing_exit(void)
{
}

MODSIM_MODULE(.name = "imp_missing", .init = imp_missing_init, .exit = imp_missing_exit,
	      .hazard = "-", .description = "imports nobody_exports_this, which nobody exports");
