/* nameprot: the descriptor's name sits in a PROT_NONE page; the loader refuses it. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <modsim/module.h>

static int nameprot_init(void)
{
	return 0;
}

/* Written by hand: the name is set by the constructor below. */
struct module __this_module __attribute__((visibility("protected"))) = {
	.abi_version = MODSIM_ABI_VERSION,
	.info_size = sizeof(struct module),
	.name = "nameprot",
	.hazard = "-",
	.init = nameprot_init,
};

__attribute__((constructor)) static void nameprot_ctor(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	strcpy(p, "nameprot");
	mprotect(p, pg, PROT_NONE);
	__this_module.name = p;
}
