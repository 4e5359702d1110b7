/* libFuzzer harness: the replay-token decoder (modsim_schedule_decode), and what it decodes encoded again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <modsim/lab/sched.h>

#include "kernel/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modsim_schedule s, again;
	char *text = malloc(size + 1), *tok = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!modsim_schedule_decode(text, &s)) {
		(void)modsim_schedule_check_code(&s, NULL, NULL);
		/* What decodes and encodes decodes again to the same schedule. */
		if (!modsim_schedule_encode(&s, &tok)) {
			if (modsim_schedule_decode(tok, &again))
				abort();
			if (strcmp(s.strategy, again.strategy) || strcmp(s.scenario, again.scenario) ||
			    s.workers != again.workers || s.seed != again.seed ||
			    s.nchoices != again.nchoices)
				abort();
			modsim_schedule_free(&again);
			free(tok);
		}
		modsim_schedule_free(&s);
	}
	free(text);
	return 0;
}
