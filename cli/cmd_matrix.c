/* `modsim matrix` and `modsim merge`: their command lines, the progress line, the exit status. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/lab/matrix.h>

#include "base/lines.h"
#include "base/text.h"
#include "kernel/units.h"
#include "cli.h"

#define CMD_MAX_SECONDS 86400.0
#define CMD_MAX_WORKERS 128
#define CMD_MAX_SHARDS 1000000

static const char matrix_usage[] =
	"usage: modsim matrix [--strategies LIST] [--scenarios LIST] [--trials N]\n"
	"                     [--duration SECONDS] [--seed N] [--workers N]\n"
	"                     [--json | --csv | --jsonl] [--check] [--plot FILE.png]\n"
	"                     [--shard K/N] [--sched pct|random [--depth D] [--steps N]]\n"
	"                     [--schedules N]\n"
	"\n"
	"Race every strategy against every scenario in seeded trials; per cell: the\n"
	"trials that found a violation, the post's prediction, MATCH or MISMATCH; per\n"
	"strategy: what it cost.  With no options: the quick matrix `modsim` runs.\n"
	"\n"
	"      --strategies LIST  comma-separated presets (default: all built-in)\n"
	"      --scenarios LIST   comma-separated scenarios or .ini files (default: all\n"
	"                         built-in)\n"
	"  -n, --trials N         free-running trials per cell (default 1)\n"
	"      --schedules N      besides them, N controlled schedules per cell (pct and\n"
	"                         random by turns, seeded from the matrix seed; default\n"
	"                         32; 0: none): deterministic for a seed, so the\n"
	"                         verdicts repeat from run to run\n"
	"  -d, --duration SECONDS each trial's length (default 0.3)\n"
	"      --seed N           the matrix seed; each trial's seed derives from it,\n"
	"                         the strategy, the scenario and the trial (default 1)\n"
	"  -w, --workers N        worker threads per trial (default 2)\n"
	"      --json, --csv      the table for scripts (docs/output-schemas.md)\n"
	"      --jsonl            one JSON line per trial, as each ends (for merge)\n"
	"      --check            exit 3 when a cell contradicts its prediction (a\n"
	"                         violation where the preset is predicted safe) or is\n"
	"                         VOID (no trial exercised its hazard)\n"
	"      --check-strict     also exit 3 when a cell predicted unsafe found no\n"
	"                         violation in its trials (UNSEEN: detection power)\n"
	"      --plot FILE.png    draw the matrix and the costs with gnuplot\n"
	"      --shard K/N        run only the K-th of N disjoint slices of the trials\n"
	"      --sched POLICY     each trial a controlled schedule (pct or random) seeded\n"
	"                         by the trial's seed, instead of --duration of free\n"
	"                         running; a trial that finds a violation prints the\n"
	"                         token that replays it ('modsim run --replay')\n"
	"      --depth D          pct's bug depth (default 3), for --sched and --schedules\n"
	"      --steps N          each schedule's step budget (default 2000)\n"
	"      --no-hunt          do not search a controlled schedule that replays each\n"
	"                         cell's violation (the table prints one per cell)\n"
	"      --replays FILE     write the replay lines whole to FILE; on a terminal\n"
	"                         lines wider than it are cut, and a file under $TMPDIR\n"
	"                         keeps them whole (its name is printed)\n"
	"      --plan             run nothing: print each cell as 'STRATEGY SCENARIO\n"
	"                         HAZARD PREDICTION', one a line\n"
	"  -h, --help             this text\n"
	"\n"
	"A progress line with the time left goes to standard error when it is a terminal.\n"
	"exit status: 0 done, 3 a MISMATCH or VOID with --check (or UNSEEN with\n"
	"--check-strict), 2 bad usage, 1 a trial could not run, a scenario's module\n"
	"cannot load at all (its cells are VOID), or the plot failed\n";

static const char merge_usage[] =
	"usage: modsim merge [--json | --csv | --jsonl] [--check] [--plot FILE.png]\n"
	"                    [--no-hunt] FILE...\n"
	"\n"
	"Combine the trial lines of `modsim matrix --shard K/N --jsonl` runs (\"-\":\n"
	"standard input) into the table one unsharded run prints.\n"
	"\n"
	"      --no-hunt   do not search a controlled schedule that replays each\n"
	"                  cell's violation (the table prints one per cell)\n"
	"      --replays FILE  the replay lines whole in FILE (see 'modsim matrix --help')\n"
	"\n"
	"exit status: 0 done, 3 a MISMATCH with --check (or UNSEEN with --check-strict), 2 bad usage, 1 a file could\n"
	"not be read or is not made of trial lines of one matrix\n";

enum { OPT_STRATEGIES = 256, OPT_SCENARIOS, OPT_SEED, OPT_JSON, OPT_CSV, OPT_JSONL, OPT_CHECK, OPT_CHECK_STRICT,
       OPT_PLOT, OPT_SHARD, OPT_PLAN, OPT_SCHED, OPT_DEPTH, OPT_STEPS, OPT_NO_HUNT,
       OPT_REPLAYS, OPT_SCHEDULES };

/* struct cmd - what a command line asked for. */
struct cmd {
	const char *name; /* "matrix" or "merge" */
	struct modsim_matrix_config cfg;
	enum modsim_format fmt;
	bool fmt_set, check, strict, plan, duration_set, depth_set, steps_set, no_hunt;
	bool schedules_set;
	const char *plot, *replays;
	char msg[768];
	FILE *out, *err;
	/* progress */
	bool tty;
	uint64_t t0;
	int width;
};

static int usage(struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage(struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return 2;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static int opt_duration(struct cmd *c, const char *v)
{
	double s;
	char *end;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(s) || s <= 0 || s > CMD_MAX_SECONDS)
		return usage(c, "--duration: '%s' is not a number of seconds above 0 and up to %g", v,
			     CMD_MAX_SECONDS);
	c->cfg.duration_ms = (unsigned int)llround(s * 1000.0);
	if (!c->cfg.duration_ms)
		return usage(c, "--duration: '%s' is shorter than a millisecond", v);
	return 0;
}

static int opt_shard(struct cmd *c, const char *v)
{
	unsigned int k, n;
	int used = 0;

	if (!isdigit((unsigned char)v[0]) || sscanf(v, "%u/%u%n", &k, &n, &used) != 2 ||
	    v[used] || !k || !n || k > n || n > CMD_MAX_SHARDS)
		return usage(c, "--shard: '%s' is not K/N with 1 <= K <= N <= %d", v, CMD_MAX_SHARDS);
	c->cfg.shard_k = k;
	c->cfg.shard_n = n;
	return 0;
}

static int opt_format(struct cmd *c, enum modsim_format fmt, const char *opt)
{
	if (c->fmt_set && c->fmt != fmt)
		return usage(c, "%s: only one of --json, --csv and --jsonl", opt);
	c->fmt = fmt;
	c->fmt_set = true;
	return 0;
}

/* One option.  Return: 0, or 2 with c->msg set. */
static int option(struct cmd *c, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case OPT_STRATEGIES:
		if (modsim_matrix_set_strategies(&c->cfg, arg))
			return usage(c, "--strategies: %s", modsim_last_error());
		return 0;
	case OPT_SCENARIOS:
		if (modsim_matrix_set_scenarios(&c->cfg, arg))
			return usage(c, "--scenarios: %s", modsim_last_error());
		return 0;
	case 'n':
		if (!parse_u64(arg, MODSIM_MATRIX_MAX_TRIALS, &v) || !v)
			return usage(c, "--trials: '%s' is not a number from 1 to %d", arg,
				     MODSIM_MATRIX_MAX_TRIALS);
		c->cfg.trials = (unsigned int)v;
		return 0;
	case 'd':
		c->duration_set = true;
		return opt_duration(c, arg);
	case OPT_SEED:
		if (!parse_u64(arg, UINT64_MAX, &v))
			return usage(c, "--seed: '%s' is not a number", arg);
		c->cfg.seed = v;
		return 0;
	case 'w':
		if (!parse_u64(arg, CMD_MAX_WORKERS, &v))
			return usage(c, "--workers: '%s' is not a number from 0 to %d", arg,
				     CMD_MAX_WORKERS);
		c->cfg.workers = (unsigned int)v;
		return 0;
	case OPT_JSON:
		return opt_format(c, MODSIM_FMT_JSON, "--json");
	case OPT_CSV:
		return opt_format(c, MODSIM_FMT_CSV, "--csv");
	case OPT_JSONL:
		return opt_format(c, MODSIM_FMT_JSONL, "--jsonl");
	case OPT_CHECK:
		c->check = true;
		return 0;
	case OPT_CHECK_STRICT:
		c->check = c->strict = true;
		return 0;
	case OPT_PLOT:
		if (!*arg)
			return usage(c, "--plot: empty file name");
		if (modsim_text_has_control(arg))
			return usage(c, "--plot: a control character in the file name");
		c->plot = arg;
		return 0;
	case OPT_SHARD:
		return opt_shard(c, arg);
	case OPT_PLAN:
		c->plan = true;
		return 0;
	case OPT_NO_HUNT:
		c->no_hunt = true;
		return 0;
	case OPT_REPLAYS:
		if (!*arg)
			return usage(c, "--replays: empty file name");
		c->replays = arg;
		return 0;
	case OPT_SCHED: {
		int p = modsim_sched_policy_lookup(arg);

		if (p < 0)
			return usage(c, "--sched: %s", modsim_last_error());
		if (p == MODSIM_SCHED_REPLAY)
			return usage(c, "--sched replay: a matrix runs new schedules; replay one with 'modsim run --replay TOKEN'");
		c->cfg.sched = (enum modsim_sched_policy)p;
		return 0;
	}
	case OPT_DEPTH:
		if (!parse_u64(arg, 64, &v) || !v)
			return usage(c, "--depth: '%s' is not a depth from 1 to 64", arg);
		c->cfg.depth = (unsigned int)v;
		c->depth_set = true;
		return 0;
	case OPT_STEPS:
		if (!parse_u64(arg, 100000000, &v) || !v)
			return usage(c, "--steps: '%s' is not a number of steps from 1 to 100000000", arg);
		c->cfg.steps = (uint32_t)v;
		c->steps_set = true;
		return 0;
	case OPT_SCHEDULES:
		if (!parse_u64(arg, MODSIM_MATRIX_MAX_TRIALS, &v))
			return usage(c, "--schedules: '%s' is not a number from 0 to %d", arg,
				     MODSIM_MATRIX_MAX_TRIALS);
		c->cfg.schedules = (unsigned int)v;
		c->schedules_set = true;
		return 0;
	}
	return usage(c, "internal: unhandled option %d", opt);
}

/* Parse @argv; @merge takes only the output options.  Return: 0, 2 (c->msg), -1 (--help). */
static int parse(struct cmd *c, int argc, char **argv, bool merge)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "jsonl", no_argument, NULL, OPT_JSONL },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "check-strict", no_argument, NULL, OPT_CHECK_STRICT },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "no-hunt", no_argument, NULL, OPT_NO_HUNT },
		{ "replays", required_argument, NULL, OPT_REPLAYS },
		{ "help", no_argument, NULL, 'h' },
		/* matrix only, from here */
		{ "strategies", required_argument, NULL, OPT_STRATEGIES },
		{ "scenarios", required_argument, NULL, OPT_SCENARIOS },
		{ "trials", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "workers", required_argument, NULL, 'w' },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "plan", no_argument, NULL, OPT_PLAN },
		{ "sched", required_argument, NULL, OPT_SCHED },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "schedules", required_argument, NULL, OPT_SCHEDULES },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option merge_opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "jsonl", no_argument, NULL, OPT_JSONL },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "check-strict", no_argument, NULL, OPT_CHECK_STRICT },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "no-hunt", no_argument, NULL, OPT_NO_HUNT },
		{ "replays", required_argument, NULL, OPT_REPLAYS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, status;

	/* getopt's state is global: start afresh (GNU: optind 0 reinitialises). */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, merge ? "+:h" : "+:n:d:w:h", merge ? merge_opts : opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'h':
			return -1;
		case ':':
			return usage(c, "option '%s' needs an argument", argv[optind - 1]);
		case '?':
			if (optopt && optopt < 256)
				return usage(c, "unknown option '-%c'", optopt);
			return usage(c, "unknown option '%s'", argv[optind - 1]);
		default:
			status = option(c, opt, optarg);
			if (status)
				return status;
		}
	}
	if (!merge && optind < argc)
		return usage(c, "unexpected argument '%s'", argv[optind]);
	if (c->cfg.sched != MODSIM_SCHED_OFF) {
		if (c->schedules_set && c->cfg.schedules)
			return usage(c, "--schedules adds controlled schedules to free trials; with --sched every trial is one already");
		c->cfg.schedules = 0;
	}
	if (c->cfg.sched == MODSIM_SCHED_OFF && !c->cfg.schedules && (c->depth_set || c->steps_set))
		return usage(c, "--depth and --steps need --sched or --schedules");
	if (c->cfg.sched != MODSIM_SCHED_OFF && c->duration_set)
		return usage(c, "--duration does not go with --sched: a schedule ends at its step budget (--steps)");
	if (c->cfg.sched == MODSIM_SCHED_RANDOM && c->depth_set)
		return usage(c, "--depth is for --sched pct");
	if (c->cfg.sched != MODSIM_SCHED_OFF) {
		if (!c->cfg.depth && c->cfg.sched == MODSIM_SCHED_PCT)
			c->cfg.depth = MODSIM_SCHED_DEFAULT_DEPTH;
		if (!c->cfg.steps)
			c->cfg.steps = MODSIM_SCHED_DEFAULT_STEPS;
	}
	if (merge && optind == argc)
		return usage(c, "no files to merge");
	if (c->replays && c->fmt != MODSIM_FMT_TEXT)
		return usage(c, "--replays: only the text table has replay lines");
	return 0;
}

/* --plan: the cells and their predictions, nothing run. */
static void print_plan(FILE *out, const struct modsim_matrix_config *cfg)
{
	char hazard[16];

	for (unsigned int p = 0; p < cfg->nstrategies; p++) {
		for (unsigned int s = 0; s < cfg->nscenarios; s++) {
			enum modsim_matrix_predict pr = modsim_matrix_predict_sched(
				cfg->strategies[p], cfg->scenarios[s],
				cfg->schedules ? MODSIM_SCHED_PCT : cfg->sched, hazard);

			fprintf(out, "%s %s %s %s\n", cfg->strategies[p], cfg->scenarios[s], hazard,
				modsim_matrix_predict_name(pr));
		}
	}
}

/* ---- the progress line ---- */

static void progress(const struct modsim_matrix_trial *t, unsigned long done, unsigned long count,
		     void *arg)
{
	struct cmd *c = arg;
	uint64_t spent = modsim_now_ns() - c->t0;
	uint64_t left_s = done ? spent / done * (count - done) / 1000000000ULL : 0;
	int n;

	if (c->fmt == MODSIM_FMT_JSONL) {
		/* Streamed: a shard killed half-way keeps the trials it finished. */
		modsim_matrix_print_trial(c->out, t);
		fflush(c->out);
	}
	if (!c->tty)
		return;
	n = fprintf(c->err, "\rmatrix: %lu/%lu trials, %.24s x %.16s, %" PRIu64 ":%02" PRIu64 " left",
		    done, count, t->strategy, t->scenario, left_s / 60, left_s % 60);
	if (n < c->width)
		fprintf(c->err, "%*s", c->width - n, "");
	c->width = n;
	fflush(c->err);
}

static void progress_clear(struct cmd *c)
{
	if (c->tty && c->width) {
		fprintf(c->err, "\r%*s\r", c->width, "");
		fflush(c->err);
	}
}

/* Print, plot, and decide the exit status of a tabulated result. */
static int finish(struct cmd *c, struct modsim_matrix_result *r, FILE *out, bool streamed)
{
	int status = 0;

	/* Every violation the table reports comes with a line that replays one. */
	if (!streamed && !c->no_hunt && (c->fmt == MODSIM_FMT_TEXT || c->fmt == MODSIM_FMT_JSON) &&
	    modsim_matrix_hunt(r, MODSIM_MATRIX_HUNT_MAX,
			       !strcmp(c->name, "merge") ? MODSIM_MATRIX_HUNT_NO_FILES : 0)) {
		fprintf(c->err, "modsim %s: searching replays: %s\n", c->name, modsim_last_error());
		return 1;
	}
	if (!streamed && c->fmt == MODSIM_FMT_TEXT) {
		if (modsim_matrix_print_fit(out, r, cli_columns(out), c->replays)) {
			fprintf(c->err, "modsim %s: %s\n", c->name, modsim_last_error());
			status = 1;
		}
	} else if (!streamed) {
		modsim_matrix_print(out, c->fmt, r);
	}
	fflush(out);
	if (c->plot && modsim_matrix_plot(r, c->plot)) {
		fprintf(c->err, "modsim %s: %s\n", c->name, modsim_last_error());
		status = 1;
	}
	if (!status && r->unloadable) {
		fprintf(c->err, "modsim %s: %u cell%s VOID because a module cannot load at all (the table says which and why)\n",
			c->name, r->unloadable, r->unloadable == 1 ? " is" : "s are");
		status = 1;
	}
	if (!status && c->check && (r->mismatch || r->void_cells || (c->strict && r->unseen)))
		status = 3;
	return status;
}

int cmd_matrix(int argc, char **argv, FILE *out, FILE *err)
{
	struct modsim_matrix_result *r;
	struct cmd *c;
	int status;

	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(err, "modsim matrix: out of memory\n");
		return 1;
	}
	c->name = "matrix";
	c->out = out;
	c->err = err;
	modsim_matrix_config_default(&c->cfg);
	status = parse(c, argc, argv, false);
	if (status < 0) {
		fputs(matrix_usage, out);
		status = 0;
		goto free_cmd;
	}
	if (status) {
		fprintf(err, "modsim matrix: %s (try 'modsim matrix --help')\n", c->msg);
		goto free_cmd;
	}
	if (c->plan) {
		print_plan(out, &c->cfg);
		goto free_cmd;
	}
	c->tty = isatty(fileno(err));
	c->t0 = modsim_now_ns();
	if (modsim_matrix_run(&c->cfg, progress, c, &r)) {
		progress_clear(c);
		fprintf(err, "modsim matrix: %s\n", modsim_last_error());
		status = 1;
		goto free_cmd;
	}
	progress_clear(c);
	status = finish(c, r, out, c->fmt == MODSIM_FMT_JSONL);
	modsim_matrix_result_free(r);
free_cmd:
	free(c);
	return status;
}

int cmd_merge(int argc, char **argv, FILE *out, FILE *err)
{
	struct modsim_matrix_result *r = NULL;
	struct cmd *c;
	int status, i;

	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(err, "modsim merge: out of memory\n");
		return 1;
	}
	c->name = "merge";
	c->out = out;
	c->err = err;
	status = parse(c, argc, argv, true);
	if (status < 0) {
		fputs(merge_usage, out);
		status = 0;
		goto free_all;
	}
	if (status) {
		fprintf(err, "modsim merge: %s (try 'modsim merge --help')\n", c->msg);
		goto free_all;
	}
	status = 1;
	r = modsim_matrix_result_new();
	if (!r) {
		fprintf(err, "modsim merge: out of memory\n");
		goto free_all;
	}
	for (i = optind; i < argc; i++) {
		bool std = !strcmp(argv[i], "-");
		int e = 0;
		FILE *in = std ? stdin : modsim_fopen_regular(argv[i], &e);

		if (e == -EINVAL) {
			fprintf(err, "modsim merge: %s: not a regular file (give - to read standard input)\n",
				modsim_printable(argv[i]));
			goto free_all;
		}
		if (!in) {
			fprintf(err, "modsim merge: cannot open %s: %s\n", modsim_printable(argv[i]),
				strerror(-e));
			goto free_all;
		}
		e = modsim_matrix_read_jsonl(in, std ? "(standard input)" : argv[i], r);
		if (!std)
			fclose(in);
		if (e) {
			fprintf(err, "modsim merge: %s\n", modsim_last_error());
			goto free_all;
		}
	}
	if (!r->ntrials) {
		fprintf(err, "modsim merge: the files hold no trials\n");
		goto free_all;
	}
	if (modsim_matrix_tabulate(r)) {
		fprintf(err, "modsim merge: %s\n", modsim_last_error());
		goto free_all;
	}
	if (r->ntrials != r->total)
		fprintf(err, "modsim merge: warning: %zu of the matrix's %lu trials (shards missing?)\n",
			r->ntrials, r->total);
	status = finish(c, r, out, false);
free_all:
	modsim_matrix_result_free(r);
	free(c);
	return status;
}
