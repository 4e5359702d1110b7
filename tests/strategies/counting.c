/*
 * counting: a strategy loaded from a .so that lets every call through and
 * counts, in exported counters, how often each operation of the seam ran.
 * test_strategy_seam reads the counters to show who calls what.
 */
#include <errno.h>
#include <stdatomic.h>

#include <modsim/strategy.h>

atomic_ulong counting_enter, counting_exit, counting_get, counting_put;
atomic_ulong counting_load, counting_unload, counting_setup, counting_teardown;

static bool c_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	atomic_fetch_add(&counting_enter, 1);
	return true;
}

static void c_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	atomic_fetch_add(&counting_exit, 1);
}

static bool c_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	atomic_fetch_add(&counting_get, 1);
	return true;
}

static void c_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	atomic_fetch_add(&counting_put, 1);
}

static int c_setup(struct modsim_mod *m)
{
	atomic_fetch_add(&counting_setup, 1);
	return 0;
}

static void c_teardown(struct modsim_mod *m)
{
	atomic_fetch_add(&counting_teardown, 1);
}

static int c_load(struct modsim_mod *m)
{
	atomic_fetch_add(&counting_load, 1);
	return modsim_default_load(m);
}

static int c_unload(struct modsim_mod *m, unsigned int flags)
{
	int err;

	atomic_fetch_add(&counting_unload, 1);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_strategy = {
	.name = "counting",
	.post = "test",
	.caller = "counts enter/exit/get/put, never refuses",
	.unloader = "counts, then exits at once",
	.author = "nothing",
	.predict = { MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE, MODSIM_UNSAFE,
		     MODSIM_SAFE },
	.enter = c_enter,
	.exit = c_exit,
	.get = c_get,
	.put = c_put,
	.mod_setup = c_setup,
	.mod_teardown = c_teardown,
	.load = c_load,
	.unload = c_unload,
};
