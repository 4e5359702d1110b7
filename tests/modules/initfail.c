/* initfail: init registers nothing and fails with -ENODEV. */
#include <errno.h>

#include <modsim/module.h>

static int initfail_init(void)
{
	return -ENODEV;
}

MODSIM_MODULE(.name = "initfail", .hazard = "-", .init = initfail_init,
	      .description = "init fails cleanly");
