/* `modsim hazards`: its command line over modsim_hazards_print(). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <modsim/kernel.h>
#include <modsim/lab/hazard.h>

#include "cli.h"

static const char hazards_usage[] =
	"usage: modsim [--strategy NAME] hazards [--strategies LIST] [--hazards LIST]\n"
	"                                         [--markdown|--json]\n"
	"  force each hazard's interleaving under each strategy (a fresh kernel per\n"
	"  cell) and print the prediction, what was measured, MATCH or MISMATCH,\n"
	"  and the evidence: how the strategy protected, or how it broke.\n"
	"  --strategies LIST  comma-separated presets (BASE+twoinit, BASE+stopworld-init\n"
	"                     and .so paths too); default: --strategy, else every preset\n"
	"  --hazards LIST     comma-separated of A,B,P,T,L,S; default: all\n"
	"  --markdown, --json output format (default: aligned text)\n"
	"  -h, --help         this text\n"
	"  exit status: 0 every cell matched, 3 some cell did not (or could not be\n"
	"  forced), 1 the command failed, 2 bad usage (an unknown strategy or\n"
	"  hazard too)\n";

/* The value of option @opt at argv[*i] ("--opt VALUE" or "--opt=VALUE"), or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

int cmd_hazards(int argc, char **argv, const char *strategy, FILE *out, FILE *err)
{
	enum modsim_hazards_format fmt = MODSIM_HAZARDS_TEXT;
	const char *strategies = strategy, *hazards = NULL, *v;
	int rc;

	for (int i = 0; i < argc; i++) {
		bool missing = false;

		if ((v = opt_value(argc, argv, &i, "--strategies", &missing))) {
			strategies = v;
		} else if (!missing && (v = opt_value(argc, argv, &i, "--hazards", &missing))) {
			hazards = v;
		} else if (missing) {
			fprintf(err, "modsim hazards: option '%s' needs an argument (try 'modsim hazards --help')\n",
				argv[i]);
			return 2;
		} else if (!strcmp(argv[i], "--markdown")) {
			fmt = MODSIM_HAZARDS_MARKDOWN;
		} else if (!strcmp(argv[i], "--json")) {
			fmt = MODSIM_HAZARDS_JSON;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(hazards_usage, out);
			return 0;
		} else {
			fprintf(err, "modsim hazards: unexpected argument '%s' (try 'modsim hazards --help')\n",
				argv[i]);
			return 2;
		}
	}
	if (strategies && cli_check_strategies(strategies, "modsim hazards", err))
		return 2;
	rc = modsim_hazards_print(out, strategies, hazards, fmt);
	if (rc < 0) {
		fprintf(err, "modsim: %s\n", modsim_last_error());
		return rc == -EINVAL ? 2 : 1;
	}
	return rc ? 3 : 0;
}
