// The system zlib (zlib1g-dev on Debian), for reading .gz logs. A system library module,
// not a package: nothing is fetched.
#include <zlib.h>
