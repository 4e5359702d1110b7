/* The post's predictions for a cell: the hazard a scenario exercises against what the strategy predicts for it. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <modsim/lab/matrix.h>
#include <modsim/strategy.h>

#include "lab/scenario.h"

#include "kernel/units.h"

/*
 * The hazards a scenario exercises: the built-in's, or what its file says;
 * one set whatever the scheduler (@sched is not consulted: a prediction
 * and a label come from here alone).
 */
static void scenario_hazard(const char *scenario, bool sched, char hazard[16])
{
	const char *h = modsim_scenario_hazard(scenario);
	struct modsim_scenario s;

	(void)sched;

	if (h) {
		snprintf(hazard, 16, "%s", h);
		return;
	}
	if (!modsim_scenario_resolve(scenario, &s))
		snprintf(hazard, 16, "%s", s.hazard);
	else
		snprintf(hazard, 16, "-");
}

MODSIM_API enum modsim_matrix_predict modsim_matrix_predict(const char *strategy,
							     const char *scenario,
							     char hazard[16])
{
	return modsim_matrix_predict_sched(strategy, scenario, MODSIM_SCHED_OFF, hazard);
}

MODSIM_API enum modsim_matrix_predict modsim_matrix_predict_sched(const char *strategy,
								   const char *scenario,
								   enum modsim_sched_policy sched,
								   char hazard[16])
{
	enum modsim_matrix_predict p = MODSIM_PREDICT_UNKNOWN;
	const struct modsim_strategy *s;
	char saved[1024];
	void *handle;

	snprintf(saved, sizeof(saved), "%s", modsim_last_error());
	scenario_hazard(scenario, sched != MODSIM_SCHED_OFF, hazard);
	if (modsim_strategy_resolve(strategy, &s, &handle))
		goto restore_error;
	if (!strcmp(hazard, "mixed")) {
		p = MODSIM_PREDICT_SAFE;
		for (int h = 0; h < MODSIM_HZ__COUNT; h++)
			if (s->predict[h] == MODSIM_UNSAFE)
				p = MODSIM_PREDICT_UNSAFE;
	} else {
		/* A set such as "A+L": unsafe when any hazard in it is. */
		for (int h = 0; h < MODSIM_HZ__COUNT; h++) {
			if (!strchr(hazard, modsim_hazard_name((enum modsim_hazard)h)[0]))
				continue;
			if (s->predict[h] == MODSIM_UNSAFE)
				p = MODSIM_PREDICT_UNSAFE;
			else if (p == MODSIM_PREDICT_UNKNOWN)
				p = MODSIM_PREDICT_SAFE;
		}
	}
	if (handle)
		dlclose(handle);
restore_error:
	/* Asking must not disturb the caller's last error. */
	modsim_err(0, "%s", saved);
	return p;
}
