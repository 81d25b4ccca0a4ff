/* zlib, for the opt-in compressed form of large sessions (deflate and
 * inflate of whole buffers). */
#include <zlib.h>
