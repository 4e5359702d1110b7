/* ss_notifier (test): four blocks of mixed priorities that log their letters to the caller. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <modsim/module.h>
#include <modsim/notifier.h>

static char *chain = "sschain";
module_param(chain, charp, "chain to join");
static char *stop = "";
module_param(stop, charp, "letter of the block that answers NOTIFY_BAD");
static bool leak;
module_param(leak, bool, "exit leaves the blocks registered (the bug)");
static bool twice;
module_param(twice, bool, "init registers a block twice and fails unless told -EEXIST");

static int ss_log(char letter, void *data)
{
	char *log = data;
	size_t n;

	if (log) {
		n = strlen(log);
		if (n < 31)
			log[n] = letter;
	}
	return letter == stop[0] ? NOTIFY_BAD : NOTIFY_OK;
}

static int ss_hi(struct notifier_block *nb, unsigned long action, void *data)
{
	return ss_log('h', data);
}

static int ss_mid(struct notifier_block *nb, unsigned long action, void *data)
{
	return ss_log('m', data);
}

static int ss_lo(struct notifier_block *nb, unsigned long action, void *data)
{
	return ss_log('l', data);
}

static int ss_zed(struct notifier_block *nb, unsigned long action, void *data)
{
	return ss_log('z', data);
}

/* Registered in this order; the chain runs h (10), m (5), z (5), l (-1). */
static struct notifier_block ss_blocks[] = {
	{ .notifier_call = ss_lo, .priority = -1 },
	{ .notifier_call = ss_hi, .priority = 10 },
	{ .notifier_call = ss_mid, .priority = 5 },
	{ .notifier_call = ss_zed, .priority = 5 },
};
#define SS_NBLOCKS (sizeof(ss_blocks) / sizeof(ss_blocks[0]))

static int ss_notifier_init(void)
{
	int err = 0;
	size_t i;

	for (i = 0; i < SS_NBLOCKS; i++) {
		err = register_notifier(chain, &ss_blocks[i]);
		if (err)
			goto unregister_blocks;
	}
	if (twice) {
		err = register_notifier(chain, &ss_blocks[0]);
		if (err != -EEXIST) {
			err = err ? err : -EPROTO;
			goto unregister_blocks;
		}
	}
	return 0;

unregister_blocks:
	while (i--)
		unregister_notifier(chain, &ss_blocks[i]);
	return err;
}

static void ss_notifier_exit(void)
{
	if (leak)
		return;
	for (size_t i = 0; i < SS_NBLOCKS; i++)
		unregister_notifier(chain, &ss_blocks[i]);
}

MODSIM_MODULE(.name = "ss_notifier",
	      .description = "test: three notifier blocks in priority order",
	      .hazard = "-",
	      .init = ss_notifier_init,
	      .exit = ss_notifier_exit);
