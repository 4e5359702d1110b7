/* initcrash: init writes through a wild pointer; the loader reports -EFAULT and carries on. */
#include <stdint.h>

#include <modsim/module.h>

/* A low, non-NULL address: never mapped, and not a null dereference that
 * UBSan would stop at before the fault happens. */
static int *volatile initcrash_wild = (int *)(uintptr_t)64;

static int initcrash_init(void)
{
	*initcrash_wild = 1;
	return 0;
}

MODSIM_MODULE(.name = "initcrash", .hazard = "-", .init = initcrash_init,
	      .description = "init crashes");
