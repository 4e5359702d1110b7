/* initsleep (hazard S): init sleeps in request_firmware() until a worker thread serves it. */
#include <modsim/firmware.h>
#include <modsim/module.h>

static int initsleep_init(void)
{
	/* Registers nothing: it only waits for another thread to do its part. */
	return request_firmware("initsleep.fw");
}

static void initsleep_exit(void)
{
}

MODSIM_MODULE(.name = "initsleep",
	      .description = "init waits in request_firmware() for a worker (hangs if the world is stopped)",
	      .hazard = "S",
	      .init = initsleep_init,
	      .exit = initsleep_exit);
