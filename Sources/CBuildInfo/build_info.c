#include "build_info.h"

// The stamp: a marker, then "COMMIT\0DATE\0" written over the zeros after it in the linked executable
// by scripts/stamp-binary, so that stamping a build compiles nothing (the tests' build and a release
// share every object). The marker occurs once in the binary. The array is neither const nor read but
// through volatile pointers: an optimising compiler may otherwise take its contents for the zeros it
// was compiled with (it did: the date read as the commit).
#define SCIMCTL_STAMP_MARKER "scimctl-build-stamp:"
#define SCIMCTL_STAMP_MARKER_LENGTH (sizeof(SCIMCTL_STAMP_MARKER) - 1)

static volatile char stamp[SCIMCTL_STAMP_MARKER_LENGTH + 128] __attribute__((used)) = SCIMCTL_STAMP_MARKER;

const char *scimctl_build_commit(void) { return (const char *)(stamp + SCIMCTL_STAMP_MARKER_LENGTH); }

const char *scimctl_build_date(void) {
    const volatile char *end = stamp + SCIMCTL_STAMP_MARKER_LENGTH;
    while (*end != '\0') end++;
    return (const char *)(end + 1);
}
