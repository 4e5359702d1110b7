/* libFuzzer harness: the scenario INI reader (modsim_scenario_load_file), the input as a file in memory. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab/scenario.h"

#include "kernel/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct modsim_scenario s;
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("modsim-fuzz-scenario.ini", 0);
		if (fd < 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		return 0;
	(void)modsim_scenario_load_file(path, &s);
	return 0;
}
