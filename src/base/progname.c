/* The name the copy-paste lines (repeat:, replay:) give the modsim command. */
#include <stdio.h>
#include <string.h>

#include <modsim/kernel.h>

/* "modsim" unless the command line said otherwise; set once, before any thread reads it. */
static char progname[512] = "modsim";

MODSIM_API void modsim_set_progname(const char *name)
{
	if (!name || !*name || strlen(name) >= sizeof(progname))
		name = "modsim";
	snprintf(progname, sizeof(progname), "%s", name);
}

MODSIM_API const char *modsim_progname(void)
{
	return progname;
}
