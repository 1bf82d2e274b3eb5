// The system zlib (raw deflate and CRC-32) for the Ingest module's ZIP archive reader.
#include <zlib.h>
