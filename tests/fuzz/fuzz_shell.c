/* libFuzzer harness: the shell's line reader and word splitter (modsim_read_line, modsim_shell_split). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/lines.h"
#include "shell.h"

#include "kernel/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[4096], *argv[65];
	size_t len;
	FILE *in;

	if (!size)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	while (modsim_read_line(in, line, sizeof(line), &len) > 0) {
		if (len >= sizeof(line) || line[len] != '\0')
			__builtin_trap(); /* the reader overran or did not terminate */
		(void)modsim_shell_split(line, argv, 64);
	}
	fclose(in);
	return 0;
}
