// emu_register.h — included by the generated <file>_reg.cpp after kernels/<file>.cu: turns a kernel's
// C++ signature into the unpacking of cuLaunchKernel's kernelParams (one pointer per argument).
#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>
#include "emu_runtime.h"

template <class... A, std::size_t... I>
static void emu_call(void (*f)(A...), void** p, std::index_sequence<I...>) {
    f(*static_cast<typename std::remove_cv<A>::type*>(p[I])...);
}
template <class... A>
static void emu_call(void (*f)(A...), void** p) {
    emu_call(f, p, std::index_sequence_for<A...>{});
}
template <auto F>
static void emu_invoke(void** p) {
    emu_call(F, p);
}

// The sizes of a kernel's parameters, for copying its kernelParams by value when a launch is captured.
template <class... A>
struct EmuArgSizes {
    static constexpr std::size_t sizes[sizeof...(A) + 1] = {sizeof(typename std::remove_cv<A>::type)..., 0};
};
template <class... A>
static constexpr int emu_arg_count(void (*)(A...)) {
    return sizeof...(A);
}
template <class... A>
static constexpr const std::size_t* emu_arg_sizes(void (*)(A...)) {
    return EmuArgSizes<A...>::sizes;
}
