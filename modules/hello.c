/* hello (hazard -): registers nothing, so no caller is ever inside it; unload is always safe. */
#include <modsim/module.h>

static char *greeting = "hello";
module_param(greeting, charp, "a word handed to the module, which keeps it nowhere");

static int hello_init(void)
{
	return 0;
}

static void hello_exit(void)
{
}

MODSIM_MODULE(.name = "hello",
	      .description = "does nothing, safely",
	      .hazard = "-",
	      .init = hello_init,
	      .exit = hello_exit);
