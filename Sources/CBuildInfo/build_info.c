#include "build_info.h"

#ifndef SCIMCTL_COMMIT
#define SCIMCTL_COMMIT ""
#endif
#ifndef SCIMCTL_BUILD_DATE
#define SCIMCTL_BUILD_DATE ""
#endif

const char *scimctl_build_commit(void) { return SCIMCTL_COMMIT; }
const char *scimctl_build_date(void) { return SCIMCTL_BUILD_DATE; }
