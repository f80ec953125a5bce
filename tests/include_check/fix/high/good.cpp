// Links photon_low: may include it.
#include "fix/low/base.h"
