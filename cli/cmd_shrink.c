/* `modsim shrink TOKEN`: its command line over modsim_shrink(), the shorter schedule printed. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/run.h>

#include "report/cmdline.h"
#include "kernel/units.h"
#include "cli.h"

static const char shrink_usage[] =
	"usage: modsim shrink TOKEN [--strategy PATH] [--scenario PATH] [--max-runs N] [--json]\n"
	"                    [--trace FILE.json] [--timeline FILE.svg]\n"
	"\n"
	"Replay the schedule TOKEN (from 'modsim run --sched ...'), then search\n"
	"for a shorter one that still ends on the same kind of violation: fewer\n"
	"preemptions, fewer choices, fewer steps.  Prints the line that replays it.\n"
	"\n"
	"      --strategy PATH, --scenario PATH\n"
	"                     the strategy .so or scenario file the token names: a\n"
	"                     token alone never makes modsim load code\n"
	"      --max-runs N   replays to try at most (default 2000)\n"
	"      --json         the result as JSON\n"
	"      --trace FILE   the shrunk schedule as Chrome Trace Event JSON\n"
	"      --timeline FILE  the shrunk schedule as an SVG picture\n"
	"  -h, --help         this text\n"
	"\n"
	"exit status: 0 printed, 4 the token does not fail when replayed,\n"
	"2 bad usage, 1 a replay could not run or a file could not be written\n";

enum { OPT_MAX = 256, OPT_JSON, OPT_TRACE, OPT_TIMELINE, OPT_STRATEGY, OPT_SCENARIO };

struct shrink_cmd {
	const char *token, *strategy, *scenario;
	unsigned int max_runs;
	bool json;
	char trace[PATH_MAX], timeline[PATH_MAX];
};

static int shrink_parse(struct shrink_cmd *c, int argc, char **argv, FILE *err)
{
	static const struct option opts[] = {
		{ "max-runs", required_argument, NULL, OPT_MAX },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "timeline", required_argument, NULL, OPT_TIMELINE },
		{ "strategy", required_argument, NULL, OPT_STRATEGY },
		{ "scenario", required_argument, NULL, OPT_SCENARIO },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (opt) {
		case 'h':
			return -1;
		case OPT_MAX:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-' || v == 0 || v > 1000000) {
				fprintf(err, "modsim shrink: --max-runs: '%s' is not a number from 1 to 1000000 (try 'modsim shrink --help')\n",
					optarg);
				return 2;
			}
			c->max_runs = (unsigned int)v;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_STRATEGY:
			c->strategy = optarg;
			break;
		case OPT_SCENARIO:
			c->scenario = optarg;
			break;
		case OPT_TRACE:
		case OPT_TIMELINE:
			if (!*optarg || strlen(optarg) >= PATH_MAX) {
				fprintf(err, "modsim shrink: %s: not a file name (try 'modsim shrink --help')\n",
					opt == OPT_TRACE ? "--trace" : "--timeline");
				return 2;
			}
			snprintf(opt == OPT_TRACE ? c->trace : c->timeline, PATH_MAX, "%s", optarg);
			break;
		case ':':
			fprintf(err, "modsim shrink: option '%s' needs an argument (try 'modsim shrink --help')\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(err, "modsim shrink: unknown option '%s' (try 'modsim shrink --help')\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(err, "modsim shrink: a TOKEN is required (try 'modsim shrink --help')\n");
		return 2;
	}
	if (optind + 1 < argc) {
		fprintf(err, "modsim shrink: unexpected argument '%s' (try 'modsim shrink --help')\n",
			argv[optind + 1]);
		return 2;
	}
	c->token = argv[optind];
	return 0;
}

/* Replay the shrunk schedule once more, with its trace, and write the files. */
static int shrink_traces(const struct shrink_cmd *c, const struct modsim_schedule *s, FILE *err)
{
	struct modsim_run_result *res = calloc(1, sizeof(*res));
	struct modsim_run_config cfg;
	int status = 0;

	if (!res)
		return 1;
	modsim_run_config_default(&cfg);
	modsim_run_config_replay(&cfg, s);
	cfg.sched_trace = true;
	if (modsim_run(&cfg, res)) {
		fprintf(err, "modsim shrink: %s\n", modsim_last_error());
		status = 1;
	}
	for (int i = 0; i < 2 && !status; i++) {
		const char *path = i ? c->timeline : c->trace;
		FILE *f;
		int e;

		if (!path[0])
			continue;
		f = fopen(path, "w");
		if (!f) {
			fprintf(err, "modsim shrink: %s: %s\n", path, strerror(errno));
			status = 1;
			break;
		}
		e = i ? modsim_sched_timeline_svg(&res->sched, f) : modsim_sched_trace_json(&res->sched, f);
		if (fclose(f) || e) {
			fprintf(err, "modsim shrink: %s: could not write it all\n", path);
			status = 1;
		}
	}
	modsim_run_result_free(res);
	free(res);
	return status;
}

static void shrink_print(FILE *out, const struct shrink_cmd *c, const struct modsim_shrink_stats *st,
			 const struct modsim_schedule *best, const char *tok)
{
	const char *kind = modsim_vkind_name(st->kind);

	if (c->json) {
		fprintf(out, "{\"schema\": \"modsim-shrink/1\", \"violation\": \"%s\", \"runs\": %u, "
			"\"before\": {\"choices\": %u, \"preemptions\": %u, \"steps\": %u}, "
			"\"after\": {\"choices\": %u, \"preemptions\": %u, \"steps\": %u}, "
			"\"token\": \"%s\"}\n",
			kind, st->runs, st->choices_before, st->preemptions_before, st->steps_before,
			st->choices_after, st->preemptions_after, st->steps_after, tok);
		return;
	}
	fprintf(out, "shrink: every kept schedule ends on %s; %u replays\n", kind, st->runs);
	fprintf(out, "before: %u choices, %u preemptions, %u steps\n", st->choices_before,
		st->preemptions_before, st->steps_before);
	fprintf(out, "after:  %u choices, %u preemptions, %u steps\n", st->choices_after,
		st->preemptions_after, st->steps_after);
	fputs("replay: ", out);
	modsim_fput_replay_cmd(out, tok, best->strategy, best->scenario);
	fputc('\n', out);
}

int cmd_shrink(int argc, char **argv, FILE *out, FILE *err)
{
	struct shrink_cmd c = { 0 };
	struct modsim_schedule in, best;
	struct modsim_shrink_stats st;
	char *tok = NULL;
	int status, e;

	status = shrink_parse(&c, argc, argv, err);
	if (status < 0) {
		fputs(shrink_usage, out);
		return 0;
	}
	if (status)
		return status;
	if (modsim_schedule_decode(c.token, &in)) {
		fprintf(err, "modsim shrink: %s\n", modsim_last_error());
		return 2;
	}
	if (modsim_schedule_check_code(&in, c.strategy, c.scenario)) {
		fprintf(err, "modsim shrink: %s\n", modsim_last_error());
		modsim_schedule_free(&in);
		return 2;
	}
	e = modsim_shrink(&in, c.max_runs, &best, &st);
	modsim_schedule_free(&in);
	if (e) {
		fprintf(err, "modsim shrink: %s\n", modsim_last_error());
		return e == -ESRCH ? 4 : 1;
	}
	if (modsim_schedule_encode(&best, &tok)) {
		fprintf(err, "modsim shrink: %s\n", modsim_last_error());
		modsim_schedule_free(&best);
		return 1;
	}
	shrink_print(out, &c, &st, &best, tok);
	status = (c.trace[0] || c.timeline[0]) ? shrink_traces(&c, &best, err) : 0;
	free(tok);
	modsim_schedule_free(&best);
	return status;
}
