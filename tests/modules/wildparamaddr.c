/* wildparamaddr: a parameter whose variable is outside the module; 'insmod wildparamaddr x=1' is refused. */
#include <stdint.h>

#include <modsim/module.h>

static int wildparamaddr_init(void)
{
	return 0;
}

/* x's variable: a low address (never mapped); y's: a string literal (read-only). */
static const struct modsim_param wildparamaddr_params[] = {
	{ "x", MODSIM_PARAM_INT, (void *)(uintptr_t)64, "wild" },
	{ "y", MODSIM_PARAM_INT, (void *)"read-only", "read-only" },
};

struct module __this_module __attribute__((visibility("protected"))) = {
	.abi_version = MODSIM_ABI_VERSION,
	.info_size = sizeof(struct module),
	.name = "wildparamaddr",
	.hazard = "-",
	.init = wildparamaddr_init,
	.params_start = wildparamaddr_params,
	.params_end = wildparamaddr_params + 2,
};
