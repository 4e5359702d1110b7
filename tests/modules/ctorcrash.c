/* ctorcrash: a constructor writes through a wild pointer inside dlopen; modsim dies naming the file. */
#include <stdint.h>

#include <modsim/module.h>

static int *volatile ctorcrash_wild = (int *)(uintptr_t)64;

__attribute__((constructor)) static void ctorcrash_ctor(void)
{
	*ctorcrash_wild = 1;
}

MODSIM_MODULE(.name = "ctorcrash", .hazard = "-", .description = "a constructor crashes");
