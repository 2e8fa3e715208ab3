#ifndef BULKHEAD_SEAL_H
#define BULKHEAD_SEAL_H
/* What seals bulkhead's cache entries: HMAC-SHA-256 (FIPS 180-4, RFC 2104), and the kernel keyring that
   holds the key (keyrings(7)). A task cannot forge an entry without the key, and no shipped policy lets
   a task call add_key, keyctl or request_key. */
#include <stddef.h>
#include <stdint.h>

#define BH_SHA256_BYTES 32

/* SHA-256 of `length` bytes. */
void bh_sha256(const uint8_t *_Nullable data, size_t length, uint8_t digest[_Nonnull BH_SHA256_BYTES]);

/* The same without the CPU's SHA extensions, which bh_sha256 uses where there are any: for tests. */
void bh_sha256_portable(const uint8_t *_Nullable data, size_t length, uint8_t digest[_Nonnull BH_SHA256_BYTES]);

/* HMAC-SHA-256 with a key of at most 64 bytes over the concatenation of two byte ranges. */
void bh_hmac_sha256(const uint8_t *_Nonnull key, size_t key_length,
                    const uint8_t *_Nullable first, size_t first_length,
                    const uint8_t *_Nullable second, size_t second_length,
                    uint8_t mac[_Nonnull BH_SHA256_BYTES]);

/* The payload of the "user" key `description` in the calling user's keyring (KEY_SPEC_USER_KEYRING):
   its length, or -1 with errno (ENOKEY: none; ENOSYS, EPERM: no keyring to be had). `id` gets its serial. */
long bh_user_key_read(const char *_Nonnull description, uint8_t *_Nonnull buffer, size_t capacity, int32_t *_Nonnull id);

/* Adds (or replaces) the "user" key `description` in the user keyring; its serial, or -1 with errno. */
int32_t bh_user_key_add(const char *_Nonnull description, const uint8_t *_Nonnull payload, size_t length);

/* Invalidates key `id` (KEYCTL_INVALIDATE): it is gone for every process at once. 0, or -1 with errno. */
int bh_key_invalidate(int32_t id);

#endif
