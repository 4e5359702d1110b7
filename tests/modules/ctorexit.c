/* ctorexit: a constructor calls exit(0); modsim reports it and stops with status 1. */
#include <stdlib.h>

#include <modsim/module.h>

__attribute__((constructor)) static void ctorexit_ctor(void)
{
	exit(0);
}

MODSIM_MODULE(.name = "ctorexit", .hazard = "-", .description = "a constructor calls exit(0)");
