// The unit tests' runner: doctest's own main (filters, reporters, --help).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
