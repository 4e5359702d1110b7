/*
 * ctormark: a strategy .so whose constructor creates the file named by
 * $MODSIM_CTOR_MARK, so a test can tell whether modsim ever loaded it
 * (tests/cli/hostile.sh: a replay token must not make modsim dlopen it).
 * Otherwise it behaves as "none".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <modsim/strategy.h>

__attribute__((constructor)) static void ctormark_mark(void)
{
	const char *path = getenv("MODSIM_CTOR_MARK");
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0)
		close(fd);
}

static bool ctormark_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	(void)m;
	(void)cpu;
	return true;
}

static void ctormark_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	(void)m;
	(void)cpu;
}

static int ctormark_unload(struct modsim_mod *m, unsigned int flags)
{
	int err;

	(void)flags;
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_strategy = {
	.name = "ctormark",
	.post = "test",
	.caller = "nothing (as none)",
	.unloader = "exit and free at once (as none)",
	.author = "nothing",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_UNSAFE,
		[MODSIM_HZ_B] = MODSIM_UNSAFE,
		[MODSIM_HZ_P] = MODSIM_UNSAFE,
		[MODSIM_HZ_T] = MODSIM_UNSAFE,
		[MODSIM_HZ_L] = MODSIM_UNSAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "as none",
		[MODSIM_HZ_B] = "as none",
		[MODSIM_HZ_P] = "as none",
		[MODSIM_HZ_T] = "as none",
		[MODSIM_HZ_L] = "as none",
		[MODSIM_HZ_S] = "as none",
	},
	.enter = ctormark_enter,
	.exit = ctormark_exit,
	.get = ctormark_enter,
	.put = ctormark_exit,
	.unload = ctormark_unload,
};
