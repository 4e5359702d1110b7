/* inithang: init never returns; the watchdog gives up on it and the module stays STUCK. */
#include <unistd.h>

#include <modsim/module.h>

static int inithang_init(void)
{
	for (;;)
		pause();
	return 0;
}

MODSIM_MODULE(.name = "inithang", .hazard = "S", .init = inithang_init,
	      .description = "init never returns");
