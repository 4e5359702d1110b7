/* Test module: a module the quarantine suite makes NODELETE, so dlclose leaves it mapped. */
#include <modsim/module.h>

int fault_pinned_value(int x);
int fault_pinned_data = 11;

/* Returns @x + fault_pinned_data. */
int fault_pinned_value(int x)
{
	return x + fault_pinned_data;
}

static int fault_pinned_init(void)
{
	return 0;
}

static void fault_pinned_exit(void)
{
}

MODSIM_MODULE(.name = "fault_pinned", .init = fault_pinned_init, .exit = fault_pinned_exit,
	      .hazard = "-", .description = "made NODELETE by the quarantine suite: stays mapped");
