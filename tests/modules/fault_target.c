/* Test module: code and data to call stale, and a function that crashes, for the fault suites. */
#include <modsim/module.h>

int fault_target_value(int x);
void fault_target_null_write(void);
long fault_target_call(long x);
long fault_target_crash(long x);
int fault_target_data = 7;

/* NULL, but the compiler cannot know: the store below must really happen. */
static int *volatile fault_target_nowhere;

/* Returns @x + fault_target_data: a call that touches the module's text and data. */
int fault_target_value(int x)
{
	return x + fault_target_data;
}

/* A module bug: writes through a NULL pointer, with the PC in this module.
 * (UBSan would stop the store before it faults: not here.) */
__attribute__((no_sanitize("null"))) void fault_target_null_write(void)
{
	*fault_target_nowhere = 1;
}

/* Exported for modsim_symbol_call: @x + fault_target_data. */
long fault_target_call(long x)
{
	return x + fault_target_data;
}
EXPORT_SYMBOL(fault_target_call);

/* Exported for modsim_symbol_call: crashes (a live module's own bug). */
long fault_target_crash(long x)
{
	fault_target_null_write();
	return x;
}
EXPORT_SYMBOL(fault_target_crash);

static int fault_target_init(void)
{
	return 0;
}

static void fault_target_exit(void)
{
}

MODSIM_MODULE(.name = "fault_target", .init = fault_target_init, .exit = fault_target_exit,
	      .hazard = "-", .description = "stale-call target and NULL writer for fault tests");
