/* OpenSSL's libcrypto, as far as connect-dynamo uses it: SHA-256 (and
 * SHA-1 once, for the name of the AWS SSO token cache file).
 *
 * SigV4 hashes a few hundred bytes four times per request. Through EVP,
 * OpenSSL 3 spends several times the hash itself on fetching and
 * allocating per call; SHA256_Init/Update/Final hash in place, and their
 * context is a plain struct that HMAC can snapshot after its key pads.
 * They are deprecated in 3.0 but present in every 3.x. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

/* AES-256-GCM for sessions encrypted at rest (SessionCipher): EVP's AEAD
 * interface, and RAND_bytes for the nonces. */
#include <openssl/evp.h>
#include <openssl/rand.h>
