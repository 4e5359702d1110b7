/* hello2: another file whose module is also named "hello"; loading both is refused (-EEXIST). */
#include <modsim/module.h>

static int hello2_init(void)
{
	return 0;
}

MODSIM_MODULE(.name = "hello", .hazard = "-", .init = hello2_init,
	      .description = "a second module named hello");
