/* Hunting a replay: controlled schedules of a cell, seed after seed, until one ends on the violation wanted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/run.h>

#include "kernel/units.h"

MODSIM_API int modsim_sched_hunt(const struct modsim_run_config *cell, int kind, uint64_t first_seed,
				 unsigned int max, struct modsim_hunt *out)
{
	struct modsim_run_result *res = calloc(1, sizeof(*res));
	struct modsim_run_config cfg;
	char *fallback = NULL;
	int fallback_kind = -1;
	uint64_t fallback_seed = 0;
	enum modsim_sched_policy fallback_policy = MODSIM_SCHED_OFF;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->kind = -1;
	if (!res)
		return modsim_err(-ENOMEM, "hunt: out of memory");
	modsim_run_config_default(&cfg);
	snprintf(cfg.strategy, sizeof(cfg.strategy), "%s", cell->strategy);
	snprintf(cfg.scenario, sizeof(cfg.scenario), "%s", cell->scenario);
	cfg.workers = cell->workers;
	for (unsigned int i = 0; i < max && !out->token; i++) {
		struct modsim_schedule s;
		int got;
		char *tok = NULL;

		/* pct and random take turns: neither finds every cell soonest
		 * (bench/sched.sh measures both). */
		cfg.sched = i % 2 ? MODSIM_SCHED_RANDOM : MODSIM_SCHED_PCT;
		cfg.seed = first_seed + i / 2;
		memset(res, 0, sizeof(*res));
		err = modsim_run(&cfg, res);
		if (err)
			break;
		out->tries++;
		got = res->sched.schedule.expect;
		if ((res->sched.end == MODSIM_SEND_VIOLATION || res->sched.end == MODSIM_SEND_DEADLOCK) &&
		    !res->sched.unkept_choices) {
			modsim_run_schedule(&cfg, res, &s);
			if (modsim_schedule_encode(&s, &tok))
				tok = NULL;
		}
		if (tok && (kind < 0 || got == kind)) {
			out->token = tok;
			out->kind = got;
			out->seed = cfg.seed;
			out->policy = cfg.sched;
		} else if (tok && !fallback) {
			fallback = tok;
			fallback_kind = got;
			fallback_seed = cfg.seed;
			fallback_policy = cfg.sched;
		} else {
			free(tok);
		}
		modsim_run_result_free(res);
	}
	if (!out->token && fallback) {
		out->token = fallback;
		out->kind = fallback_kind;
		/* The line names the schedule the token holds, not the last one tried. */
		out->seed = fallback_seed;
		out->policy = fallback_policy;
		fallback = NULL;
	}
	free(fallback);
	free(res);
	return err;
}
