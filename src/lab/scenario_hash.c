/* What a replay token keeps of a scenario file: a hash of its bytes, so a changed file is refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <modsim/lab/run.h>

#include "lab/scenario.h"

#include "internal.h"

MODSIM_API int modsim_scenario_hash(const char *scenario, uint64_t *out)
{
	struct modsim_scenario s;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bit */
	unsigned char buf[4096];
	size_t n;
	FILE *f;

	*out = 0;
	if (!modsim_scenario_builtin(scenario, &s))
		return 0;
	f = fopen(scenario, "rb");
	if (!f)
		return modsim_err(-errno, "scenario %s: %s", scenario, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t i = 0; i < n; i++) {
			h ^= buf[i];
			h *= 0x100000001b3ULL;
		}
	if (ferror(f)) {
		fclose(f);
		return modsim_err(-EIO, "scenario %s: read error", scenario);
	}
	fclose(f);
	*out = h ? h : 1; /* 0 means "a built-in scenario" */
	return 0;
}
