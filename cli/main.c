/* modsim: the command line, a thin layer of argument parsing over libmodsim. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <modsim/kernel.h>

#include "cli.h"
#include "shell.h"

static const char usage_text[] =
	"usage: modsim [--strategy NAME] [--seed N] [COMMAND]\n"
	"\n"
	"A userspace laboratory for the module-unload problem.\n"
	"\n"
	"commands:\n"
	"  shell [FILE]       run commands from FILE (\"-\" or none: standard input;\n"
	"                     a prompt when it is a terminal); 'help' lists them\n"
	"  (none)             the quick matrix: every preset against every scenario,\n"
	"                     one short trial and 32 controlled schedules each,\n"
	"                     in about a minute\n"
	"  demo               load the example modules, race workers against an\n"
	"                     unload, print what happened\n"
	"  run OPTIONS        race one strategy against one scenario for real\n"
	"                     ('modsim run --help')\n"
	"  matrix OPTIONS     every strategy x every scenario in seeded trials, against\n"
	"                     the post's predictions ('modsim matrix --help')\n"
	"  merge FILE...      the table of 'modsim matrix --shard K/N --jsonl' shards\n"
	"  strategies [--markdown] [--names]\n"
	"                     the presets: costs, predictions per hazard, axes\n"
	"                     (with --strategy: that one, with its reasons)\n"
	"  shrink TOKEN       a shorter failing schedule for a replay token\n"
	"                     ('modsim shrink --help')\n"
	"  hazards [--strategies LIST] [--hazards LIST] [--markdown|--json]\n"
	"                     force each hazard under each preset and compare with\n"
	"                     the prediction (exit 3 on a mismatch)\n"
	"\n"
	"options:\n"
	"  -s, --strategy NAME  preset (or path to a strategy .so) to run under;\n"
	"                       BASE+twoinit, BASE+stopworld-init compose on init\n"
	"      --seed N         seed for the workers' choices and the amplifier\n"
	"  -h, --help           this text\n"
	"  -V, --version        print the version\n"
	"\n"
	"exit status, every command: 0 done, 1 a runtime failure (a module or file\n"
	"that cannot be loaded, a trial that cannot run), 2 bad usage (an unknown\n"
	"option, command, strategy or scenario, a bad number), 3 a verdict failure\n"
	"(a MISMATCH with --check, a violation with --fail-on-violation), 4 a\n"
	"replay that did not go as recorded.  'man modsim' has the rest.\n";

static const char shell_usage[] =
	"usage: modsim [--strategy NAME] shell [FILE | -]\n"
	"\n"
	"Run kernel commands (insmod, rmmod, lsmod, modinfo, workers, run, stats,\n"
	"strategy) from FILE, or from standard input (\"-\" or no FILE).  On a\n"
	"terminal it prompts, with line editing and history; a mistyped line is\n"
	"reported and the session goes on.  'help' inside lists the commands.\n"
	"\n"
	"  -h, --help   this text\n"
	"\n"
	"exit status: 0 every line worked, 1 a command failed, 2 a line was misused\n"
	"(unknown command, bad flag or number, unknown strategy)\n";

static const char demo_usage[] =
	"usage: modsim [--strategy NAME] demo\n"
	"\n"
	"The guided tour: load the example modules, run two workers while an unload\n"
	"of chardev is tried, unload everything, and print lsmod at each step and\n"
	"the counters at the end.\n"
	"\n"
	"  -h, --help   this text\n"
	"\n"
	"exit status: 0 done, 1 a step that should work failed\n";

/*
 * The commands that parse their own words, as git's commands[]: @run takes
 * argv from the command's name on; @global takes the words after it and the
 * global --strategy.  shell and demo need a kernel and stay in main().
 */
struct command {
	const char *name;
	int (*run)(int argc, char **argv, FILE *out, FILE *err);
	int (*global)(int argc, char **argv, const char *strategy, FILE *out, FILE *err);
};

static const struct command commands[] = {
	{ "matrix", cmd_matrix, NULL },
	{ "merge", cmd_merge, NULL },
	{ "run", cmd_run, NULL },
	{ "shrink", cmd_shrink, NULL },
	{ "strategies", NULL, cmd_strategies },
	{ "hazards", NULL, cmd_hazards },
};

static int usage_error(const char *fmt, const char *arg)
{
	fputs("modsim: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (try 'modsim --help')\n", stderr);
	return 2;
}

static bool parse_seed(const char *s, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end;
}

/* No command: the quick matrix, under the global --strategy and --seed when given. */
static int quick_matrix(const char *strategy, const char *seed)
{
	char *args[6] = { "matrix" };
	int n = 1;

	if (strategy) {
		args[n++] = "--strategies";
		args[n++] = (char *)strategy;
	}
	if (seed) {
		args[n++] = "--seed";
		args[n++] = (char *)seed;
	}
	return cmd_matrix(n, args, stdout, stderr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct modsim_config cfg;
	struct modsim_kernel *k;
	const char *cmd, *file = NULL, *strategy = NULL, *seed = NULL;
	FILE *in = stdin;
	int c, err, status;

	cli_set_progname(argv[0]);
	modsim_config_default(&cfg);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			cfg.strategy = strategy = optarg;
			break;
		case 'S':
			if (!parse_seed(optarg, &cfg.seed))
				return usage_error("--seed: bad number '%s'", optarg);
			seed = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("modsim %s\n", MODSIM_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, 0 };

				return usage_error("unknown option '%s'", opt);
			}
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}

	if (optind == argc)
		return quick_matrix(strategy, seed);
	cmd = argv[optind++];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *p = &commands[i];

		if (strcmp(cmd, p->name))
			continue;
		if (p->global)
			return p->global(argc - optind, argv + optind, strategy, stdout, stderr);
		return p->run(argc - optind + 1, argv + optind - 1, stdout, stderr);
	}
	if (strcmp(cmd, "shell") && strcmp(cmd, "demo"))
		return usage_error("unknown command '%s'", cmd);
	if (optind < argc && (!strcmp(argv[optind], "--help") || !strcmp(argv[optind], "-h"))) {
		fputs(!strcmp(cmd, "shell") ? shell_usage : demo_usage, stdout);
		return 0;
	}
	/* A file named like an option is given as ./-name; "-" is standard input. */
	if (!strcmp(cmd, "shell") && optind < argc &&
	    (argv[optind][0] != '-' || !strcmp(argv[optind], "-")))
		file = argv[optind++];
	if (optind < argc && argv[optind][0] == '-' && strcmp(argv[optind], "-")) {
		fprintf(stderr, "modsim %s: unknown option '%s' (try 'modsim %s --help')\n", cmd,
			argv[optind], cmd);
		return 2;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	/* An unknown strategy is bad usage (2), as in every command, not a failed kernel. */
	if (strategy && cli_check_strategies(strategy, "modsim", stderr))
		return 2;

	if (file && strcmp(file, "-")) {
		struct stat st;

		in = fopen(file, "r");
		if (!in) {
			fprintf(stderr, "modsim: cannot open %s: %s\n", file, strerror(errno));
			return 1;
		}
		if (!fstat(fileno(in), &st) && S_ISDIR(st.st_mode)) {
			fprintf(stderr, "modsim: %s: a directory, not a script\n", file);
			fclose(in);
			return 1;
		}
	}
	err = modsim_kernel_create(&cfg, &k);
	if (err) {
		if (*modsim_last_error())
			fprintf(stderr, "modsim: %s\n", modsim_last_error());
		else
			fprintf(stderr, "modsim: cannot create the kernel: %s\n", strerror(-err));
		if (in != stdin)
			fclose(in);
		return 1;
	}
	if (!strcmp(cmd, "shell"))
		status = modsim_shell(k, in, stdout, stderr, in == stdin && isatty(STDIN_FILENO));
	else
		status = modsim_demo(k, stdout);
	modsim_kernel_destroy(k);
	if (in != stdin)
		fclose(in);
	return status;
}
