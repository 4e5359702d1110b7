/* ctorhang: a constructor never returns; the watchdog around dlopen gives up and insmod is refused. */
#include <unistd.h>

#include <modsim/module.h>

__attribute__((constructor)) static void ctorhang_ctor(void)
{
	for (;;)
		pause();
}

MODSIM_MODULE(.name = "ctorhang", .hazard = "-", .description = "a constructor never returns");
