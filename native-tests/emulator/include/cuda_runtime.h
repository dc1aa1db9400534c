// Emulator stand-in for <cuda_runtime.h>: the device dialect as host C++ (see emu_device.h).
#pragma once
#include "emu_device.h"
