#ifndef BULKHEAD_CSECCOMP_SHIM_H
#define BULKHEAD_CSECCOMP_SHIM_H
#include <seccomp.h>
#include <errno.h>
#include <stdint.h>

/* The SCMP_ACT_* values are function-like macros that Swift cannot import. */
static inline uint32_t bh_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
static inline uint32_t bh_act_allow(void) { return SCMP_ACT_ALLOW; }
static inline uint32_t bh_act_trap(void) { return SCMP_ACT_TRAP; }
static inline uint32_t bh_act_log(void) { return SCMP_ACT_LOG; }
static inline uint32_t bh_act_notify(void) { return SCMP_ACT_NOTIFY; }
static inline uint32_t bh_act_errno(uint16_t e) { return SCMP_ACT_ERRNO(e); }
static inline uint32_t bh_arch_native(void) { return SCMP_ARCH_NATIVE; }
/* The native architecture's real token (SCMP_ARCH_NATIVE is 0, a placeholder). */
static inline uint32_t bh_arch_native_token(void) { return seccomp_arch_native(); }

/* seccomp_rule_add_array is not variadic, so Swift can call it; this builds one comparison. */
static inline struct scmp_arg_cmp bh_arg_cmp(unsigned int arg, enum scmp_compare op, uint64_t a, uint64_t b) {
    struct scmp_arg_cmp c = { arg, op, a, b };
    return c;
}

#endif
