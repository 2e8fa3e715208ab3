#include "measure.h"
int bh_measure_placeholder(void) { return 0; }
