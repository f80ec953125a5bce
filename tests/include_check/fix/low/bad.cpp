// A domain that links nothing, including a header of the one above it.
#include "fix/high/api.h"
