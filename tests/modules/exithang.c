/* exithang: loads fine, but exit never returns; rmmod times out and the module stays STUCK. */
#include <unistd.h>

#include <modsim/module.h>

static int exithang_init(void)
{
	return 0;
}

static void exithang_exit(void)
{
	for (;;)
		pause();
}

MODSIM_MODULE(.name = "exithang", .hazard = "-", .init = exithang_init, .exit = exithang_exit,
	      .description = "exit never returns");
