/* namerun: the descriptor's name runs without a NUL into an unmapped page; the loader refuses it. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <modsim/module.h>

static int namerun_init(void)
{
	return 0;
}

/* Written by hand: the name is set by the constructor below. */
struct module __this_module __attribute__((visibility("protected"))) = {
	.abi_version = MODSIM_ABI_VERSION,
	.info_size = sizeof(struct module),
	.name = "namerun",
	.hazard = "-",
	.init = namerun_init,
};

/* Sixteen bytes of 'x' at the very end of a page whose successor is unmapped. */
__attribute__((constructor)) static void namerun_ctor(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	memset(p + pg - 16, 'x', 16);
	munmap(p + pg, pg);
	__this_module.name = p + pg - 16;
}
