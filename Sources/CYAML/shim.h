#ifndef SCIMCTL_CYAML_SHIM_H
#define SCIMCTL_CYAML_SHIM_H
#include <yaml.h>
#endif
