/* OpenSSL's libcrypto, as far as connect-dynamo uses it: SHA-256, HMAC,
 * the random generator. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
