/* Test module: takes exp_a_add with symbol_get() at init and puts it at exit. */
#include <errno.h>
#include <stddef.h>

#include <modsim/module.h>

/* Declared only: symbol_get() names it, nothing binds to it at load. */
extern long exp_a_add(long x);

static long (*add)(long);

long symbols_getter_call(long x);

/* Calls exp_a_add through the pointer symbol_get() returned. */
long symbols_getter_call(long x)
{
	return add(x);
}
EXPORT_SYMBOL(symbols_getter_call);

static int symbols_getter_init(void)
{
	add = symbol_get(exp_a_add);
	return add ? 0 : -ENOENT;
}

static void symbols_getter_exit(void)
{
	symbol_put(exp_a_add);
	add = NULL;
}

MODSIM_MODULE(.name = "symbols_getter", .init = symbols_getter_init,
	      .exit = symbols_getter_exit, .hazard = "L",
	      .description = "holds a symbol_get() reference on exp_a while loaded");
