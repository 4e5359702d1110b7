/* exitcrash: loads fine, but exit writes through a wild pointer; rmmod unloads it and reports the crash. */
#include <stdint.h>

#include <modsim/module.h>

/* A low, non-NULL address: never mapped (see initcrash). */
static int *volatile exitcrash_wild = (int *)(uintptr_t)64;

static int exitcrash_init(void)
{
	return 0;
}

static void exitcrash_exit(void)
{
	*exitcrash_wild = 1;
}

MODSIM_MODULE(.name = "exitcrash", .hazard = "-", .init = exitcrash_init, .exit = exitcrash_exit,
	      .description = "exit crashes");
