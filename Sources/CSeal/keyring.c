/* The kernel keyring calls behind the cache seal: raw system calls, since glibc has no wrappers for
   add_key and keyctl (libkeyutils does). */
#define _GNU_SOURCE
#include "seal.h"
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEY_SPEC_USER_KEYRING (-4)
#define KEYCTL_SEARCH 10
#define KEYCTL_READ 11
#define KEYCTL_INVALIDATE 21

long bh_user_key_read(const char *description, uint8_t *buffer, size_t capacity, int32_t *id) {
    long found = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description, 0);
    if (found < 0) return -1;
    *id = (int32_t)found;
    return syscall(SYS_keyctl, KEYCTL_READ, found, buffer, capacity);
}

int32_t bh_user_key_add(const char *description, const uint8_t *payload, size_t length) {
    return (int32_t)syscall(SYS_add_key, "user", description, payload, length, KEY_SPEC_USER_KEYRING);
}

int bh_key_invalidate(int32_t id) {
    return (int)syscall(SYS_keyctl, KEYCTL_INVALIDATE, id);
}
