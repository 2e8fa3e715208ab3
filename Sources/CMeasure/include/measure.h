#ifndef BULKHEAD_MEASURE_H
#define BULKHEAD_MEASURE_H
/* Placeholder; filled by the measurements work. */
int bh_measure_placeholder(void);
#endif
