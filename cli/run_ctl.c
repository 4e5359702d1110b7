/* `modsim run` under the controlled scheduler: replay a token, check determinism, write traces. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run_ctl.h"

#include "kernel/units.h"

int modsim_run_ctl_replay(struct modsim_run_ctl *ctl, struct modsim_run_config *cfg)
{
	int err;

	modsim_schedule_free(&ctl->sched);
	err = modsim_schedule_decode(ctl->replay, &ctl->sched);
	if (err)
		return err;
	modsim_run_config_replay(cfg, &ctl->sched);
	return 0;
}

void modsim_run_ctl_free(struct modsim_run_ctl *ctl)
{
	if (ctl)
		modsim_schedule_free(&ctl->sched);
}

/* Replay the schedule @res took and compare the two runs step by step. */
static int ctl_verify(const struct modsim_run_config *cfg, struct modsim_run_result *res)
{
	struct modsim_run_result *again = calloc(1, sizeof(*again));
	struct modsim_run_config rc = *cfg;
	struct modsim_schedule s;
	struct modsim_sched_report *r = &res->sched;
	int err;

	if (!again)
		return modsim_err(-ENOMEM, "verify-replay: out of memory");
	modsim_run_schedule(cfg, res, &s);
	modsim_run_config_replay(&rc, &s);
	rc.sched_log = true;
	rc.sched_trace = false;
	err = modsim_run(&rc, again);
	if (!err) {
		uint32_t where = 0;

		r->verified = modsim_sched_compare(r, &again->sched, &where, r->verify_msg,
						   sizeof(r->verify_msg));
		r->diverged_at = r->verified ? 0 : where;
		if (r->verified && (r->unkept_steps || again->sched.unkept_steps)) {
			r->verified = 0;
			snprintf(r->verify_msg, sizeof(r->verify_msg),
				 "the step logs did not fit (%u and %u steps not kept): not compared",
				 r->unkept_steps, again->sched.unkept_steps);
		}
		if (r->verified && again->sched.divergences) {
			r->verified = 0;
			snprintf(r->verify_msg, sizeof(r->verify_msg),
				 "the replay could not follow %u of its choices", again->sched.divergences);
		}
	}
	modsim_run_result_free(again);
	free(again);
	return err;
}

static int ctl_write(const char *path, const char *what, const struct modsim_sched_report *r,
		     int (*write)(const struct modsim_sched_report *, FILE *), FILE *err)
{
	FILE *f = fopen(path, "w");
	int e;

	if (!f) {
		fprintf(err, "modsim run: %s %s: %s\n", what, path, strerror(errno));
		return 1;
	}
	e = write(r, f);
	if (fclose(f) != 0 || e) {
		fprintf(err, "modsim run: %s %s: could not write it all\n", what, path);
		return 1;
	}
	return 0;
}

int modsim_run_ctl_run(struct modsim_run_ctl *ctl, struct modsim_run_config *cfg,
			struct modsim_run_result *res, enum modsim_format fmt, FILE *out, FILE *err)
{
	struct modsim_sched_report *r = &res->sched;
	int status = 0;

	cfg->sched_log = ctl->verify;
	cfg->sched_trace = ctl->trace[0] || ctl->timeline[0];
	if (modsim_run(cfg, res)) {
		fprintf(err, "modsim run: %s\n", modsim_last_error());
		return 1;
	}
	if (ctl->verify && ctl_verify(cfg, res)) {
		fprintf(err, "modsim run: verify-replay: %s\n", modsim_last_error());
		return 1;
	}
	if (ctl->replay) {
		const struct modsim_schedule *want = &ctl->sched, *got = &r->schedule;

		r->reproduced = got->expect == want->expect &&
				(want->expect < 0 || got->expect_step == want->expect_step);
	}
	if (ctl->trace[0])
		status |= ctl_write(ctl->trace, "--trace", r, modsim_sched_trace_json, err);
	if (ctl->timeline[0])
		status |= ctl_write(ctl->timeline, "--timeline", r, modsim_sched_timeline_svg, err);
	modsim_run_print(out, fmt, cfg, res);
	if (status)
		return 1;
	if (r->verified == 0 || r->reproduced == 0)
		return 4;
	return 0;
}
