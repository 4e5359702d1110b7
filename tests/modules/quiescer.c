/* quiescer: registers nothing; its quiesce hook answers what the `answer` parameter says. */
#include <modsim/module.h>

static int answer;
module_param(answer, int, "what quiesce returns: 0 lets unload go on, -EBUSY vetoes, ...");

static int quiescer_init(void)
{
	return 0;
}

static void quiescer_exit(void)
{
}

static int quiescer_quiesce(void)
{
	return answer;
}

MODSIM_MODULE(.name = "quiescer", .hazard = "-", .init = quiescer_init, .exit = quiescer_exit,
	      .quiesce = quiescer_quiesce,
	      .description = "a quiesce hook with a fixed answer");
