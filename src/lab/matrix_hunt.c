/* A replay for every matrix cell that found a violation: the controlled finder's token, or one hunted for. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/matrix.h>

#include "lab/matrix_internal.h"
#include "lab/scenario.h"

#include "kernel/units.h"

static int vkind_of(const char *name)
{
	for (int v = 0; v < MODSIM_V__COUNT; v++)
		if (!strcmp(modsim_vkind_name((enum modsim_vkind)v), name))
			return v;
	return -1;
}

MODSIM_API int modsim_matrix_hunt(struct modsim_matrix_result *r, unsigned int max,
				  unsigned int flags)
{
	const struct modsim_matrix_config *c = &r->cfg;

	for (unsigned int row = 0; row < c->nstrategies; row++) {
		for (unsigned int col = 0; col < c->nscenarios; col++) {
			struct modsim_matrix_cell *cell = &r->cell[(size_t)row * c->nscenarios + col];
			const struct modsim_matrix_trial *t;
			struct modsim_run_config rc;
			struct modsim_hunt h;
			int err;

			if (!cell->found || cell->replay)
				continue;
			t = modsim_matrix_token_finder(r, c->strategies[row], c->scenarios[col]);
			if (!t)
				t = modsim_matrix_first_finder(r, c->strategies[row],
							       c->scenarios[col]);
			if (!t)
				continue;
			if (t->token[0]) {
				cell->replay = strdup(t->token);
				if (!cell->replay)
					return modsim_err(-ENOMEM, "matrix: out of memory");
				continue;
			}
			if (strcmp(t->sched, "off"))
				continue; /* controlled, but its token did not fit */
			if ((flags & MODSIM_MATRIX_HUNT_NO_FILES) &&
			    (strchr(t->strategy, '/') || modsim_scenario_is_file(t->scenario))) {
				cell->no_hunt_file = true;
				continue;
			}
			modsim_run_config_default(&rc);
			snprintf(rc.strategy, sizeof(rc.strategy), "%s", t->strategy);
			snprintf(rc.scenario, sizeof(rc.scenario), "%s", t->scenario);
			rc.workers = t->workers;
			err = modsim_sched_hunt(&rc, vkind_of(t->first_kind), t->seed, max, &h);
			if (err)
				return err;
			cell->hunted = true;
			cell->replay = h.token;
		}
	}
	return 0;
}
