/* unresolved: calls a host function that does not exist; dlopen(RTLD_NOW) fails naming it. */
#include <modsim/module.h>

extern int modsim_no_such_function(void);

static int unresolved_init(void)
{
	return modsim_no_such_function();
}

MODSIM_MODULE(.name = "unresolved", .hazard = "-", .init = unresolved_init,
	      .description = "binds to a symbol nobody exports");
