/* libFuzzer harness: the merge line reader (modsim_matrix_read_jsonl), then the table and its text made from what it read. */
#include <stdint.h>
#include <stdio.h>

#include <modsim/lab/matrix.h>

#include "kernel/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct modsim_matrix_result *r;
	FILE *in;

	if (!null)
		null = fopen("/dev/null", "w");
	if (!size || !null)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	r = modsim_matrix_result_new();
	if (r && !modsim_matrix_read_jsonl(in, "fuzz", r) && r->ntrials &&
	    !modsim_matrix_tabulate(r)) {
		modsim_matrix_print(null, MODSIM_FMT_TEXT, r);
		modsim_matrix_print(null, MODSIM_FMT_CSV, r);
	}
	modsim_matrix_result_free(r);
	fclose(in);
	return 0;
}
