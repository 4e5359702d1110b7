/* `modsim run`: its command line, parsed into a trial configuration, run, printed. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <modsim/lab/run.h>

#include "run_ctl.h"
#include "lab/scenario.h"

#include "kernel/units.h"
#include "cli.h"

#define RUN_CMD_MAX_SECONDS 86400.0
#define RUN_CMD_MAX_WORKERS 128

static const char run_usage[] =
	"usage: modsim run --strategy NAME --scenario NAME|FILE [--workers N]\n"
	"                  [--duration SECONDS | --cycles N] [--seed N]\n"
	"                  [--amplify SPEC | --no-amplify] [--json | --jsonl | --csv]\n"
	"                  [--fail-on-violation]\n"
	"                  [--sched pct|random|replay [--depth D] [--steps N]]\n"
	"                  [--replay TOKEN] [--verify-replay] [--trace FILE.json]\n"
	"                  [--timeline FILE.svg]\n"
	"\n"
	"Run one configuration for real: workers call into the scenario's modules\n"
	"while a loader thread loads and unloads them, under one strategy.\n"
	"\n"
	"  -s, --strategy NAME    preset, or path to a strategy .so\n"
	"  -c, --scenario NAME    built-in scenario (unload-race, half-init, put-return,\n"
	"                         timer, long-session, init-sleep, dependency, mixed)\n"
	"                         or a scenario file (.ini)\n"
	"  -w, --workers N        worker threads (default 2; 0: none)\n"
	"  -d, --duration SECONDS how long the trial runs (default 2)\n"
	"  -n, --cycles N         run N load/unload cycles instead of a duration\n"
	"      --seed N           seeds the amplifier and the workers (default 1)\n"
	"  -a, --amplify SPEC     widen race windows: POINT:PROB[:spin|yield|sleep[:US]],...\n"
	"                         (POINT a race point or 'all'); replaces the\n"
	"                         scenario's default amplification\n"
	"      --no-amplify       every window at its natural width\n"
	"      --json, --jsonl, --csv  machine-readable output (docs/output-schemas.md)\n"
	"      --fail-on-violation     exit 3 when a violation (not a leak) was seen\n"
	"      --no-hunt          a free-running trial that found a violation does not\n"
	"                         search controlled schedules for one that replays it\n"
	"\n"
	"Controlled scheduling: one thread runs at a time; the baton passes at the\n"
	"race points and waits; the trial ends at its first violation, a deadlock\n"
	"or the step budget, and prints a token that replays it.\n"
	"      --sched POLICY     pct (priorities, d-1 change points), random, or\n"
	"                         replay (with --replay); --seed seeds it\n"
	"      --depth D          pct's bug depth (default 3)\n"
	"      --pct-k K          pct draws its change points among the first K\n"
	"                         decisions (default 100)\n"
	"      --steps N          step budget (default 2000)\n"
	"      --replay TOKEN     replay a schedule (its strategy, scenario, workers,\n"
	"                         seed, cycles and steps come from the token; a token\n"
	"                         naming a strategy .so or a scenario file runs only\n"
	"                         with the same path given as --strategy or --scenario)\n"
	"      --verify-replay    run the schedule twice and compare the runnable\n"
	"                         threads at every step; report the first divergence\n"
	"      --trace FILE       the run as Chrome Trace Event JSON (Perfetto)\n"
	"      --timeline FILE    the run as an SVG picture, one lane per thread\n"
	"  -h, --help             this text\n"
	"\n"
	"exit status: 0 the trial ran (whatever it found), 3 a violation with\n"
	"--fail-on-violation, 4 a schedule that did not replay as recorded\n"
	"(--replay, --verify-replay), 2 bad usage, 1 the trial could not run\n";

enum {
	OPT_SEED = 256,
	OPT_NO_AMPLIFY,
	OPT_JSON,
	OPT_JSONL,
	OPT_CSV,
	OPT_FAIL,
	OPT_SCHED,
	OPT_DEPTH,
	OPT_STEPS,
	OPT_REPLAY,
	OPT_VERIFY,
	OPT_TRACE,
	OPT_TIMELINE,
	OPT_NO_HUNT,
	OPT_PCT_K,
};

/* struct run_cmd - what the command line asked for. */
struct run_cmd {
	struct modsim_run_config cfg;
	enum modsim_format fmt;
	bool fmt_set, fail_on_violation, strategy_set, scenario_set, duration_set, cycles_set;
	bool workers_set, seed_set, amplify_set, sched_set, depth_set, steps_set, no_hunt, k_set;
	struct modsim_run_ctl ctl;
	char msg[512];
};

static int cmd_usage(struct run_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int cmd_usage(struct run_cmd *c, const char *fmt, ...)
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

static int cmd_text(struct run_cmd *c, char *dst, size_t len, const char *opt, const char *v)
{
	if (!*v)
		return cmd_usage(c, "%s: empty value", opt);
	if (strlen(v) >= len)
		return cmd_usage(c, "%s: longer than %zu characters", opt, len - 1);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int cmd_duration(struct run_cmd *c, const char *v)
{
	double s;
	char *end;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(s) || s <= 0 || s > RUN_CMD_MAX_SECONDS)
		return cmd_usage(c, "--duration: '%s' is not a number of seconds above 0 and up to %g",
				 v, RUN_CMD_MAX_SECONDS);
	c->cfg.duration_ms = (unsigned int)llround(s * 1000.0);
	if (!c->cfg.duration_ms)
		return cmd_usage(c, "--duration: '%s' is shorter than a millisecond", v);
	c->duration_set = true;
	return 0;
}

static int cmd_amplify(struct run_cmd *c, const char *v)
{
	struct modsim_amplify *a = &c->cfg.amplify[c->cfg.namplify];
	int n = modsim_amplify_parse(v, a, MODSIM_RUN_MAX_AMPLIFY - c->cfg.namplify);

	if (n < 0)
		return cmd_usage(c, "--%s", modsim_last_error());
	if (n == 0)
		return cmd_usage(c, "--amplify: empty SPEC (use --no-amplify for none)");
	c->cfg.namplify += (unsigned int)n;
	return 0;
}

static int cmd_format(struct run_cmd *c, enum modsim_format fmt, const char *opt)
{
	if (c->fmt_set && c->fmt != fmt)
		return cmd_usage(c, "%s: only one of --json, --jsonl and --csv", opt);
	c->fmt = fmt;
	c->fmt_set = true;
	return 0;
}

/* One option.  Return: 0, or 2 with c->msg set. */
static int cmd_option(struct run_cmd *c, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case 's':
		c->strategy_set = true;
		return cmd_text(c, c->cfg.strategy, sizeof(c->cfg.strategy), "--strategy", arg);
	case 'c':
		c->scenario_set = true;
		return cmd_text(c, c->cfg.scenario, sizeof(c->cfg.scenario), "--scenario", arg);
	case 'w':
		if (!parse_u64(arg, RUN_CMD_MAX_WORKERS, &v))
			return cmd_usage(c, "--workers: '%s' is not a number from 0 to %d", arg,
					 RUN_CMD_MAX_WORKERS);
		c->cfg.workers = (unsigned int)v;
		c->workers_set = true;
		return 0;
	case 'd':
		return cmd_duration(c, arg);
	case 'n':
		if (!parse_u64(arg, ULONG_MAX, &v) || !v)
			return cmd_usage(c, "--cycles: '%s' is not a number of cycles (1 or more)", arg);
		c->cfg.cycles = (unsigned long)v;
		c->cycles_set = true;
		return 0;
	case OPT_SEED:
		if (!parse_u64(arg, UINT64_MAX, &v))
			return cmd_usage(c, "--seed: '%s' is not a number", arg);
		c->cfg.seed = v;
		c->seed_set = true;
		return 0;
	case 'a':
		c->amplify_set = true;
		return cmd_amplify(c, arg);
	case OPT_NO_AMPLIFY:
		c->cfg.no_amplify = true;
		c->amplify_set = true;
		return 0;
	case OPT_SCHED: {
		int p = modsim_sched_policy_lookup(arg);

		if (p < 0)
			return cmd_usage(c, "--sched: %s", modsim_last_error());
		c->cfg.sched = (enum modsim_sched_policy)p;
		c->sched_set = true;
		return 0;
	}
	case OPT_DEPTH:
		if (!parse_u64(arg, 64, &v) || !v)
			return cmd_usage(c, "--depth: '%s' is not a depth from 1 to 64", arg);
		c->cfg.depth = (unsigned int)v;
		c->depth_set = true;
		return 0;
	case OPT_STEPS:
		if (!parse_u64(arg, 100000000, &v) || !v)
			return cmd_usage(c, "--steps: '%s' is not a number of steps from 1 to 100000000",
					 arg);
		c->cfg.steps = (uint32_t)v;
		c->steps_set = true;
		return 0;
	case OPT_REPLAY:
		if (c->ctl.replay)
			return cmd_usage(c, "--replay: given twice");
		c->ctl.replay = arg;
		return 0;
	case OPT_VERIFY:
		c->ctl.verify = true;
		return 0;
	case OPT_NO_HUNT:
		c->no_hunt = true;
		return 0;
	case OPT_PCT_K:
		if (!parse_u64(arg, 100000000, &v) || !v)
			return cmd_usage(c, "--pct-k: '%s' is not a number of decisions from 1 to 100000000",
					 arg);
		c->cfg.pct_k = (uint32_t)v;
		c->k_set = true;
		return 0;
	case OPT_TRACE:
		return cmd_text(c, c->ctl.trace, sizeof(c->ctl.trace), "--trace", arg);
	case OPT_TIMELINE:
		return cmd_text(c, c->ctl.timeline, sizeof(c->ctl.timeline), "--timeline", arg);
	case OPT_JSON:
		return cmd_format(c, MODSIM_FMT_JSON, "--json");
	case OPT_JSONL:
		return cmd_format(c, MODSIM_FMT_JSONL, "--jsonl");
	case OPT_CSV:
		return cmd_format(c, MODSIM_FMT_CSV, "--csv");
	case OPT_FAIL:
		c->fail_on_violation = true;
		return 0;
	}
	return cmd_usage(c, "internal: unhandled option %d", opt);
}

/* Options that only make sense together, and what must be there. */
static int cmd_check(struct run_cmd *c)
{
	struct modsim_scenario s;
	const struct modsim_strategy *strat;
	void *handle;

	if (c->ctl.replay) {
		char strategy[sizeof(c->cfg.strategy)], scenario[sizeof(c->cfg.scenario)];
		int err;

		memcpy(strategy, c->cfg.strategy, sizeof(strategy));
		memcpy(scenario, c->cfg.scenario, sizeof(scenario));
		err = modsim_run_ctl_replay(&c->ctl, &c->cfg);
		if (err)
			return cmd_usage(c, "--replay: %s", modsim_last_error());
		if (c->sched_set && c->cfg.sched != MODSIM_SCHED_REPLAY)
			return cmd_usage(c, "--replay replays; --sched %s does not go with it",
					 modsim_sched_policy_name(c->cfg.sched));
		if (c->workers_set || c->seed_set || c->depth_set || c->steps_set || c->k_set ||
		    c->cycles_set)
			return cmd_usage(c, "--replay: the token sets workers, seed, cycles, depth and steps; give none of them");
		/* --strategy and --scenario only to name again the files a token would load. */
		if (modsim_schedule_check_code(&c->ctl.sched, c->strategy_set ? strategy : NULL,
					       c->scenario_set ? scenario : NULL))
			return cmd_usage(c, "--replay: %s", modsim_last_error());
		c->cycles_set = c->cfg.cycles != 0;
		c->strategy_set = c->scenario_set = true;
	} else if (c->cfg.sched == MODSIM_SCHED_REPLAY) {
		return cmd_usage(c, "--sched replay needs --replay TOKEN");
	}
	if (c->cfg.sched == MODSIM_SCHED_OFF) {
		if (c->depth_set || c->steps_set || c->k_set || c->ctl.verify || c->ctl.trace[0] ||
		    c->ctl.timeline[0])
			return cmd_usage(c, "--depth, --steps, --pct-k, --verify-replay, --trace and --timeline need --sched");
	} else {
		if (c->duration_set)
			return cmd_usage(c, "--duration does not go with --sched: a controlled trial ends at its step budget (--steps)");
		if (c->amplify_set)
			return cmd_usage(c, "--amplify and --no-amplify do not go with --sched: the scheduler chooses the interleaving");
		if ((c->depth_set || c->k_set) && c->cfg.sched != MODSIM_SCHED_PCT)
			return cmd_usage(c, "--depth and --pct-k are for --sched pct");
	}
	if (!c->strategy_set)
		return cmd_usage(c, "--strategy NAME is required");
	if (!c->scenario_set)
		return cmd_usage(c, "--scenario NAME|FILE is required");
	if (c->duration_set && c->cycles_set)
		return cmd_usage(c, "--duration and --cycles exclude each other");
	if (c->cycles_set)
		c->cfg.duration_ms = 0;
	if (c->cfg.no_amplify && c->cfg.namplify)
		return cmd_usage(c, "--amplify and --no-amplify exclude each other");

	if (strchr(c->cfg.strategy, '/')) {
		if (access(c->cfg.strategy, R_OK))
			return cmd_usage(c, "strategy %s: no such file", c->cfg.strategy);
	} else if (modsim_strategy_resolve(c->cfg.strategy, &strat, &handle)) {
		return cmd_usage(c, "%s", modsim_last_error());
	}
	if (modsim_scenario_resolve(c->cfg.scenario, &s))
		return cmd_usage(c, "%s", modsim_last_error());
	if (s.action == SCN_HOLD && !c->cfg.duration_ms)
		return cmd_usage(c, "scenario %s holds its modules (action=hold): give --duration, not --cycles",
				 s.name);
	return 0;
}

/* Parse @argv into @c.  Return: 0, 2 (usage error, c->msg set), or -1 (--help). */
static int cmd_parse(struct run_cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "scenario", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "cycles", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "amplify", required_argument, NULL, 'a' },
		{ "no-amplify", no_argument, NULL, OPT_NO_AMPLIFY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "jsonl", no_argument, NULL, OPT_JSONL },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "fail-on-violation", no_argument, NULL, OPT_FAIL },
		{ "sched", required_argument, NULL, OPT_SCHED },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "verify-replay", no_argument, NULL, OPT_VERIFY },
		{ "no-hunt", no_argument, NULL, OPT_NO_HUNT },
		{ "pct-k", required_argument, NULL, OPT_PCT_K },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "timeline", required_argument, NULL, OPT_TIMELINE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, status;

	modsim_run_config_default(&c->cfg);
	c->fmt = MODSIM_FMT_TEXT;
	/* getopt's state is global: start afresh (GNU: optind 0 reinitialises). */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:s:c:w:d:n:a:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			return -1;
		case ':':
			return cmd_usage(c, "option '%s' needs an argument", argv[optind - 1]);
		case '?':
			if (optopt && optopt < 256)
				return cmd_usage(c, "unknown option '-%c'", optopt);
			return cmd_usage(c, "unknown option '%s'", argv[optind - 1]);
		default:
			status = cmd_option(c, opt, optarg);
			if (status)
				return status;
		}
	}
	if (optind < argc)
		return cmd_usage(c, "unexpected argument '%s'", argv[optind]);
	return cmd_check(c);
}

int cmd_run(int argc, char **argv, FILE *out, FILE *err)
{
	struct modsim_run_result *res;
	struct run_cmd *c;
	int status;

	c = calloc(1, sizeof(*c));
	res = calloc(1, sizeof(*res));
	if (!c || !res) {
		fprintf(err, "modsim run: out of memory\n");
		status = 1;
		goto free_all;
	}
	status = cmd_parse(c, argc, argv);
	if (status < 0) {
		fputs(run_usage, out);
		status = 0;
		goto free_all;
	}
	if (status) {
		fprintf(err, "modsim run: %s (try 'modsim run --help')\n", c->msg);
		goto free_all;
	}
	if (c->cfg.sched != MODSIM_SCHED_OFF) {
		status = modsim_run_ctl_run(&c->ctl, &c->cfg, res, c->fmt, out, err);
		if (!status && c->fail_on_violation && modsim_run_violations(res))
			status = 3;
		goto free_all;
	}
	if (modsim_run(&c->cfg, res)) {
		fprintf(err, "modsim run: %s\n", modsim_last_error());
		status = 1;
		goto free_all;
	}
	/* A violation found running free comes with a schedule that replays one. */
	if (modsim_run_violations(res) && !c->no_hunt &&
	    modsim_sched_hunt(&c->cfg, modsim_run_first_kind(res), c->cfg.seed, MODSIM_HUNT_MAX, &res->hunt)) {
		fprintf(err, "modsim run: searching a replay: %s\n", modsim_last_error());
		status = 1;
		goto free_all;
	}
	modsim_run_print(out, c->fmt, &c->cfg, res);
	status = c->fail_on_violation && modsim_run_violations(res) ? 3 : 0;
free_all:
	if (res)
		modsim_run_result_free(res);
	modsim_run_ctl_free(c ? &c->ctl : NULL);
	free(res);
	free(c);
	return status;
}
