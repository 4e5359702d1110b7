/* modsim_fput_replay_cmd and modsim_fput_opt: the copy-paste command lines, one quoting rule for all. */
#include <string.h>

#include <modsim/kernel.h>

#include "base/text.h"
#include "lab/scenario.h"
#include "report/cmdline.h"

/* modsim_progname() is already a shell word: its setter quotes it (modsim_set_progname). */
MODSIM_API void modsim_fput_command(FILE *f, const char *command)
{
	fprintf(f, "%s %s", modsim_progname(), command);
}

MODSIM_API void modsim_fput_opt(FILE *f, const char *opt, const char *value)
{
	fprintf(f, " %s ", opt);
	modsim_fput_shell_word(f, value);
}

MODSIM_API void modsim_fput_replay_cmd(FILE *f, const char *token, const char *strategy,
				       const char *scenario)
{
	modsim_fput_command(f, "run");
	modsim_fput_opt(f, "--replay", token);
	if (strategy && strchr(strategy, '/'))
		modsim_fput_opt(f, "--strategy", strategy);
	if (scenario && modsim_scenario_is_file(scenario))
		modsim_fput_opt(f, "--scenario", scenario);
}
