/* libFuzzer harness: the amplifier SPEC parser (modsim_amplify_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/run.h>

#include "lab/scenario.h"

#include "kernel/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modsim_amplify a[MODSIM_RUN_MAX_AMPLIFY];
	char *spec = malloc(size + 1);

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	(void)modsim_amplify_parse(spec, a, MODSIM_RUN_MAX_AMPLIFY);
	free(spec);
	return 0;
}
