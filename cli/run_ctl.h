/* `modsim run` under the controlled scheduler: replay tokens, the determinism check, trace files. */
#ifndef MODSIM_RUN_CTL_H
#define MODSIM_RUN_CTL_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include <modsim/lab/run.h>
#include <modsim/lab/sched.h>

/*
 * struct modsim_run_ctl - what `modsim run` was asked beyond the trial.
 * @replay:       the token given with --replay, or NULL
 * @sched:        that token, decoded (owns the choices the config points at)
 * @verify:       --verify-replay
 * @trace/@timeline: files to write, or ""
 */
struct modsim_run_ctl {
	const char *replay;
	struct modsim_schedule sched;
	bool verify;
	char trace[PATH_MAX];
	char timeline[PATH_MAX];
};

/* Decode ctl->replay into ctl->sched and set @cfg up to replay it.
 * Return: 0, or -EINVAL with modsim_last_error(). */
int modsim_run_ctl_replay(struct modsim_run_ctl *ctl, struct modsim_run_config *cfg);

/*
 * Run the controlled trial @cfg (and, with ctl->verify, its replay), write
 * the trace files, print the result on @out in @fmt, errors on @err.
 * Return: the exit status: 0, 4 (the schedule did not replay as recorded),
 * 1 (the trial could not run, or a file could not be written).
 */
int modsim_run_ctl_run(struct modsim_run_ctl *ctl, struct modsim_run_config *cfg,
			struct modsim_run_result *res, enum modsim_format fmt, FILE *out, FILE *err);

/* Free what @ctl owns (NULL is fine). */
void modsim_run_ctl_free(struct modsim_run_ctl *ctl);

#endif /* MODSIM_RUN_CTL_H */
