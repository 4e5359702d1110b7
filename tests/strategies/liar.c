/*
 * liar: a strategy .so whose predictions are wrong on purpose.  It behaves
 * like "none" (every call goes straight in, unload frees at once) but claims
 * to be safe against the unload race (A), so `modsim hazards` must report a
 * MISMATCH for that cell and exit 3 (tests/cli/hazards.sh).
 */
#include <errno.h>

#include <modsim/strategy.h>

static bool liar_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return true;
}

static void liar_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

static int liar_unload(struct modsim_mod *m, unsigned int flags)
{
	int err;

	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_strategy = {
	.name = "liar",
	.post = "test",
	.caller = "nothing (as none)",
	.unloader = "exit and free at once (as none)",
	.author = "nothing",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE, /* the lie */
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_UNSAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_UNSAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "claimed safe, wrongly: nothing holds the module across a call",
		[MODSIM_HZ_B] = "as none",
		[MODSIM_HZ_P] = "as none",
		[MODSIM_HZ_T] = "as none",
		[MODSIM_HZ_L] = "as none",
		[MODSIM_HZ_S] = "as none",
	},
	.enter = liar_enter,
	.exit = liar_exit,
	.get = liar_enter,
	.put = liar_exit,
	.unload = liar_unload,
};
