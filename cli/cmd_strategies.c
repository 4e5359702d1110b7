/* `modsim strategies`: its command line over modsim_strategies_show(). */
#include <stdio.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/strategy.h>

#include "cli.h"

static const char strategies_usage[] =
	"usage: modsim strategies [--strategy NAME] [--markdown] [--names]\n"
	"  every preset: the post's option, what callers pay, what unload does,\n"
	"  the predicted outcome per hazard, what a module author writes, and\n"
	"  the presets as choices on three axes (init, caller, unload).\n"
	"  -s, --strategy NAME  only NAME (a preset, BASE+twoinit, BASE+stopworld-init,\n"
	"                   or a strategy .so), with the reason for each prediction;\n"
	"                   'modsim --strategy NAME strategies' is the same\n"
	"  --markdown       markdown tables\n"
	"  --names          the names alone, one a line\n"
	"  -h, --help       this text\n"
	"exit status: 0 done, 2 bad usage (an unknown strategy too), 1 a strategy .so\n"
	"that cannot be loaded\n";

int cmd_strategies(int argc, char **argv, const char *strategy, FILE *out, FILE *err)
{
	enum modsim_listing how = MODSIM_LIST_TEXT;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown")) {
			how = MODSIM_LIST_MARKDOWN;
		} else if (!strcmp(argv[i], "--names")) {
			how = MODSIM_LIST_NAMES;
		} else if (!strcmp(argv[i], "--strategy") || !strcmp(argv[i], "-s")) {
			if (i + 1 == argc) {
				fprintf(err, "modsim strategies: option '%s' needs an argument (try 'modsim strategies --help')\n",
					argv[i]);
				return 2;
			}
			strategy = argv[++i];
		} else if (!strncmp(argv[i], "--strategy=", 11)) {
			strategy = argv[i] + 11;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(strategies_usage, out);
			return 0;
		} else {
			fprintf(err, "modsim strategies: unexpected argument '%s' (try 'modsim strategies --help')\n",
				argv[i]);
			return 2;
		}
	}
	if (strategy && cli_check_strategies(strategy, "modsim strategies", err))
		return 2;
	if (modsim_strategies_show(out, strategy, how)) {
		fprintf(err, "modsim: %s\n", modsim_last_error());
		return 1;
	}
	return 0;
}
