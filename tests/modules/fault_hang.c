/* Test module: a function that does not return until its pipe gets a byte (watchdog suite). */
#include <errno.h>
#include <unistd.h>

#include <modsim/module.h>

int fault_hang_block(int fd);

/* Blocks reading one byte from @fd (a hung init); returns what it read, or -errno. */
int fault_hang_block(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? c : n == 0 ? -EPIPE : -errno;
}

static int fault_hang_init(void)
{
	return 0;
}

static void fault_hang_exit(void)
{
}

MODSIM_MODULE(.name = "fault_hang", .init = fault_hang_init, .exit = fault_hang_exit,
	      .hazard = "S", .description = "blocks on a pipe read: a hung init for the watchdog");
