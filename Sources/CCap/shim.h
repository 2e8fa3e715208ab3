#ifndef BULKHEAD_CCAP_SHIM_H
#define BULKHEAD_CCAP_SHIM_H
#include <sys/capability.h>
#endif
