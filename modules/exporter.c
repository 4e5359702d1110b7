/* exporter (hazard -): exports a function and a variable that other modules link against. */
#include <modsim/module.h>

long exporter_calls;
EXPORT_SYMBOL(exporter_calls);

long exporter_add(long x)
{
	__atomic_fetch_add(&exporter_calls, 1, __ATOMIC_RELAXED);
	return x + 1;
}
EXPORT_SYMBOL(exporter_add);

static int exporter_init(void)
{
	return 0;
}

static void exporter_exit(void)
{
}

MODSIM_MODULE(.name = "exporter",
	      .description = "exports exporter_add() and exporter_calls",
	      .hazard = "-",
	      .init = exporter_init,
	      .exit = exporter_exit);
