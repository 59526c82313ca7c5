#include "build_info.h"

// The stamp: a marker, then "COMMIT\0DATE\0" written over the zeros after it in the linked executable
// by scripts/stamp-binary, so that stamping a build compiles nothing (the tests' build and a release
// share every object). The marker occurs once in the binary; `volatile` keeps the compiler from
// assuming the zeros.
#define SCIMCTL_STAMP_MARKER "scimctl-build-stamp:"
#define SCIMCTL_STAMP_MARKER_LENGTH (sizeof(SCIMCTL_STAMP_MARKER) - 1)

static volatile const char stamp[SCIMCTL_STAMP_MARKER_LENGTH + 128] __attribute__((used)) = SCIMCTL_STAMP_MARKER;

const char *scimctl_build_commit(void) { return (const char *)stamp + SCIMCTL_STAMP_MARKER_LENGTH; }

const char *scimctl_build_date(void) {
    const char *commit = scimctl_build_commit();
    const char *end = commit;
    while (*end != '\0') end++;
    return end + 1;
}
