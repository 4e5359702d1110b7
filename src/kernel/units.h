/* Every unit's internal API, for kernel/kernel.c, the lab, the reports and white-box tests: the top of the layers' header chain. */
#ifndef MODSIM_UNITS_H
#define MODSIM_UNITS_H

#include "actors/actors.h"

#endif /* MODSIM_UNITS_H */
