/* wildparams: the descriptor's parameter table points at unmapped memory; 'insmod wildparams x=1' is refused. */
#include <stdint.h>

#include <modsim/module.h>

static int wildparams_init(void)
{
	return 0;
}

/* Written by hand: MODSIM_MODULE() points the table at its own section.
 * Low pages are never mapped. */
struct module __this_module __attribute__((visibility("protected"))) = {
	.abi_version = MODSIM_ABI_VERSION,
	.info_size = sizeof(struct module),
	.name = "wildparams",
	.hazard = "-",
	.init = wildparams_init,
	.params_start = (const struct modsim_param *)(uintptr_t)0x1000,
	.params_end = (const struct modsim_param *)(uintptr_t)0x1000 + 4,
};
