/* The seam: what presets and strategy .so files may call (declared in <modsim/strategy.h>), over the table layer. */
#ifndef MODSIM_SEAM_H
#define MODSIM_SEAM_H

#include "table/table.h"

#endif /* MODSIM_SEAM_H */
