#ifndef SCIMCTL_BUILD_INFO_H
#define SCIMCTL_BUILD_INFO_H

/// The commit and the UTC build time a release binary was built from, written into the linked
/// executable by scripts/build-release (scripts/stamp-binary); empty strings in any other build.
const char *scimctl_build_commit(void);
const char *scimctl_build_date(void);

#endif
