/* badname: a descriptor whose name points at unmapped memory; the loader refuses it (-ENOEXEC). */
#include <modsim/module.h>

static int badname_init(void)
{
	return 0;
}

/* Written by hand: MODSIM_MODULE() takes a string.  Page 0 is never mapped. */
struct module __this_module __attribute__((visibility("protected"))) = {
	.abi_version = MODSIM_ABI_VERSION,
	.info_size = sizeof(struct module),
	.name = (const char *)16,
	.hazard = "-",
	.init = badname_init,
};
