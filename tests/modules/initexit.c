/* initexit: init calls exit(0); modsim reports it and stops with status 1. */
#include <stdlib.h>

#include <modsim/module.h>

static int initexit_init(void)
{
	exit(0);
}

MODSIM_MODULE(.name = "initexit", .hazard = "-", .init = initexit_init,
	      .description = "init calls exit(0)");
