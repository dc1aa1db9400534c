// Emulator stand-in for <cooperative_groups.h>: the grid group of a cooperative launch.
#pragma once
#include "emu_device.h"
namespace cooperative_groups {
struct grid_group {
    void sync() const { emu_grid_sync(); }
};
static inline grid_group this_grid() { return grid_group{}; }
}  // namespace cooperative_groups
