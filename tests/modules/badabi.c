/* badabi: a descriptor built for another ABI version; the loader refuses it (-ENOEXEC). */
#include <modsim/module.h>

static int badabi_init(void)
{
	return 0;
}

/* Written by hand: MODSIM_MODULE() would stamp the right version. */
struct module __this_module __attribute__((visibility("protected"))) = {
	.abi_version = 99,
	.info_size = sizeof(struct module),
	.name = "badabi",
	.hazard = "-",
	.init = badabi_init,
};
