// emu_runtime.cpp — runs a CUDA grid on the CPU: every CUDA thread is a fiber with its own stack, every
// block runs on one OS thread of a small pool, and the barriers of the CUDA execution model are
// scheduler states:
//   __syncthreads   all live threads of the block      (threads that returned count as arrived)
//   __shfl_*_sync   all lanes in the mask, same mask   (a lane in the mask that exited is an error)
//   grid.sync()     all threads of all blocks           (cooperative launches only; all blocks resident)
// Between barriers a fiber runs to its next barrier uninterrupted, in thread order (or reverse order
// with SAGAN4J_EMU_ORDER=reverse, which exposes a missing barrier as a wrong result). A barrier nobody
// can pass (divergent __syncthreads, a shuffle some lanes never reach) fails the launch with one line,
// as does a fault: SIGSEGV/SIGBUS in a kernel ends its launch with CUDA_ERROR_ILLEGAL_ADDRESS and names
// the kernel, block and thread, instead of killing the JVM.
#include "emu_runtime.h"
#include "include/emu_abi.h"

#include <atomic>
#include <condition_variable>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
#include <sys/mman.h>
#include <unistd.h>

thread_local const EmuThreadIds* emu_ids = nullptr;

// ---- kernel registry ------------------------------------------------------------------------------------
static std::map<std::string, const EmuKernel*>& registry() {
    static std::map<std::string, const EmuKernel*> r;
    return r;
}
extern "C" void emu_register_kernel(const EmuKernel* k) {
    auto [it, fresh] = registry().emplace(k->name, k);
    if (!fresh) {
        fprintf(stderr, "sagan4j emulator: kernel %s defined in both %s and %s\n", k->name, it->second->file, k->file);
        abort();
    }
}
const EmuKernel* emu_find_kernel(const char* name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : it->second;
}

// ---- fibers ---------------------------------------------------------------------------------------------
// emu_switch(save, to): saves the callee-saved registers and the stack pointer into *save, resumes `to`.
extern "C" void emu_switch(void** save, void* to);
extern "C" void emu_fiber_start();
asm(R"(
.text
.globl emu_switch
.type emu_switch,@function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size emu_switch,.-emu_switch
.globl emu_fiber_start
.type emu_fiber_start,@function
emu_fiber_start:
    movq %r12, %rdi
    callq *%r13
    ud2
.size emu_fiber_start,.-emu_fiber_start
)");

enum State { RUN, AT_BARRIER, AT_SHUFFLE, AT_GRID, DONE };
static const char* const STATE_NAMES[] = {"running", "__syncthreads", "shuffle", "grid.sync", "returned"};

struct Fiber {
    void* sp = nullptr;
    EmuThreadIds ids{};
    State state = DONE;
    int lane = 0;           // threadIdx linearised, mod 32
    unsigned mask = 0;      // of the pending shuffle
    uint64_t value = 0;     // published by the pending shuffle
    int src = -1;           // lane it reads
    uint64_t result = 0;
};

static constexpr size_t STACK_BYTES = 128 * 1024;
static constexpr int MAX_THREADS = 1024;
static constexpr size_t ALTSTACK_BYTES = 64 * 1024;

// The launch in progress (launches are serialised by launch_mutex).
struct Grid {
    EmuLaunch l;
    int blocks = 0;
    std::atomic<int> next{0};         // next block to hand out
    std::atomic<bool> failed{false};
    std::atomic<int> attached{0};     // workers holding a pointer to this grid (++ under pool_mutex, -- under m)
    std::mutex m;
    std::condition_variable cv;
    int finished = 0;                 // blocks done (or abandoned after a failure)
    int error = 0;
    std::string message;
    // grid.sync(): a generation barrier over blocks that a failure can break
    int arrived = 0;
    long generation = 0;
    void fail(int code, const std::string& msg) {
        std::lock_guard<std::mutex> g(m);
        if (!error) { error = code; message = msg; }
        failed = true;
        cv.notify_all();
    }
};

// One OS thread of the pool and the fibers of the block it is running.
struct Worker {
    std::vector<char*> stacks;        // fiber stacks made so far (as many as the largest block), each above a guard page
    std::vector<Fiber> fibers = std::vector<Fiber>(MAX_THREADS);
    std::vector<unsigned char> smem;  // dynamic shared memory
    uint64_t block_serial = 0;        // counts the blocks this worker has started
    std::unordered_map<void*, uint64_t> static_smem;  // static __shared__ array -> block_serial it was last poisoned in
    void* sched_sp = nullptr;
    Fiber* current = nullptr;
    Grid* grid = nullptr;
    unsigned block[3] = {0, 0, 0};
    int nthreads = 0;
    sigjmp_buf fault;
    bool in_kernel = false;
};
static thread_local Worker* self = nullptr;

// The pool's OS threads, so the SIGSEGV handler can tell its own threads from the JVM's without touching
// thread-local storage (which the dynamic loader may allocate lazily: not safe in a signal handler).
static constexpr int MAX_WORKERS = 256;
static std::atomic<pthread_t> worker_ids[MAX_WORKERS];
static std::atomic<int> worker_count{0};
static bool is_worker_thread() {
    pthread_t me = pthread_self();
    int n = worker_count.load();
    for (int i = 0; i < n && i < MAX_WORKERS; i++)
        if (pthread_equal(worker_ids[i].load(), me)) return true;
    return false;
}

static bool reverse_order() {
    static const bool r = [] { const char* o = getenv("SAGAN4J_EMU_ORDER"); return o && !strcmp(o, "reverse"); }();
    return r;
}
static bool trace() {
    static const bool t = getenv("SAGAN4J_EMU_TRACE") != nullptr;
    return t;
}

static std::string where(const Worker* w, const Fiber* f) {
    char b[256];
    snprintf(b, sizeof b, "%s (kernels/%s.cu), block (%u,%u,%u), thread (%u,%u,%u)", w->grid->l.kernel->name,
             w->grid->l.kernel->file, w->block[0], w->block[1], w->block[2], f ? f->ids.threadIdx.x : 0,
             f ? f->ids.threadIdx.y : 0, f ? f->ids.threadIdx.z : 0);
    return b;
}

// Fails the launch from inside a fiber: the block stops here (its fibers are abandoned).
[[noreturn]] static void fiber_fail(int code, const std::string& msg) {
    Worker* w = self;
    w->grid->fail(code, msg + " in " + where(w, w->current));
    siglongjmp(w->fault, 2);
}

// Parks the running fiber in `s` and returns to the scheduler; returns when released.
static void park(State s) {
    Worker* w = self;
    Fiber* f = w->current;
    f->state = s;
    emu_switch(&f->sp, w->sched_sp);
}

extern "C" void emu_syncthreads(void) { park(AT_BARRIER); }

extern "C" void emu_fail_launch(const char* message) { fiber_fail(719, message); }

extern "C" void emu_grid_sync(void) {
    if (!self->grid->l.cooperative) fiber_fail(719, "grid.sync() in a kernel not launched with cuLaunchCooperativeKernel");
    park(AT_GRID);
}

extern "C" void* emu_dynamic_smem(void) { return self->smem.data(); }

// A static __shared__ array is one thread_local copy per worker (emu_device.h), which would otherwise keep the
// previous block's values: poison it once per block, when its first thread reaches the declaration.
extern "C" void emu_static_smem(void* p, unsigned long bytes) {
    Worker* w = self;
    uint64_t& last = w->static_smem[p];
    if (last != w->block_serial) {
        memset(p, 0xFF, bytes);
        last = w->block_serial;
    }
}

extern "C" uint64_t emu_warp_exchange(unsigned mask, uint64_t value, int src) {
    Fiber* f = self->current;
    if (!(mask >> f->lane & 1u)) fiber_fail(719, "shuffle by a lane outside its own mask");
    f->mask = mask;
    f->value = value;
    f->src = src;
    park(AT_SHUFFLE);
    return f->result;
}

static void fiber_main(Fiber* f) {
    Worker* w = self;
    w->grid->l.kernel->invoke(w->grid->l.params);
    f->state = DONE;
    emu_switch(&f->sp, w->sched_sp);
    __builtin_unreachable();
}

// Stacks are made on first need: each is two mappings (the guard page splits it), and the kernel's limit
// on mappings per process (vm.max_map_count, 65530 by default) would not hold 1024 stacks for every thread
// of the pool.
static char* fiber_stack_top(Worker* w, int i) {
    while ((int)w->stacks.size() <= i) {
        char* s = (char*)mmap(nullptr, STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (s == MAP_FAILED) { perror("sagan4j emulator: fiber stack"); abort(); }
        mprotect(s, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE);
        w->stacks.push_back(s);
    }
    return w->stacks[i] + STACK_BYTES;
}

static void start_fiber(Worker* w, Fiber* f, int i) {
    char* top = fiber_stack_top(w, i);
    void** sp = (void**)top;
    *--sp = (void*)emu_fiber_start; // ret target of the first switch
    *--sp = nullptr;                // rbp
    *--sp = nullptr;                // rbx
    *--sp = (void*)f;               // r12: argument
    *--sp = (void*)fiber_main;      // r13: function
    *--sp = nullptr;                // r14
    *--sp = nullptr;                // r15
    f->sp = sp;
    f->state = RUN;
}

// Releases the shuffles whose whole mask has arrived; false when none could be released.
static bool release_shuffles(Worker* w, std::string& problem) {
    bool any = false;
    int n = w->nthreads;
    for (int base = 0; base < n; base += 32) {
        for (int i = base; i < base + 32 && i < n; i++) {
            Fiber& f = w->fibers[i];
            if (f.state != AT_SHUFFLE) continue;
            bool complete = true;
            for (int lane = 0; lane < 32; lane++) {
                if (!(f.mask >> lane & 1u)) continue;
                int j = base + lane;
                if (j >= n) { problem = "a shuffle mask names lane " + std::to_string(lane) + " beyond the block's last thread"; return false; }
                Fiber& g = w->fibers[j];
                if (g.state == DONE) { problem = "a shuffle mask names lane " + std::to_string(lane) + ", which has returned"; return false; }
                if (g.state != AT_SHUFFLE || g.mask != f.mask) { complete = false; break; }
            }
            if (!complete) continue;
            for (int lane = 0; lane < 32; lane++) {
                if (!(f.mask >> lane & 1u)) continue;
                Fiber& g = w->fibers[base + lane];
                if (g.src >= 0 && !(f.mask >> g.src & 1u)) { problem = "a shuffle reads lane " + std::to_string(g.src) + ", outside its mask"; return false; }
                g.result = g.src < 0 ? g.value : w->fibers[base + g.src].value;
            }
            for (int lane = 0; lane < 32; lane++)
                if (f.mask >> lane & 1u) w->fibers[base + lane].state = RUN;
            any = true;
        }
    }
    return any;
}

// grid.sync() across the blocks of a cooperative launch; false when the launch failed meanwhile.
static bool grid_barrier(Grid* g) {
    std::unique_lock<std::mutex> lk(g->m);
    long gen = g->generation;
    if (++g->arrived == g->blocks) {
        g->arrived = 0;
        g->generation++;
        g->cv.notify_all();
        return true;
    }
    g->cv.wait(lk, [&] { return g->generation != gen || g->failed.load(); });
    return g->generation != gen;
}

static void run_block(Worker* w, Grid* g, int b) {
    const EmuLaunch& l = g->l;
    w->grid = g;
    w->block[0] = b % l.grid[0];
    w->block[1] = (b / l.grid[0]) % l.grid[1];
    w->block[2] = b / (l.grid[0] * l.grid[1]);
    int n = (int)(l.block[0] * l.block[1] * l.block[2]);
    w->nthreads = n;
    w->block_serial++;
    if (l.dynamicSmem) memset(w->smem.data(), 0xFF, l.dynamicSmem); // uninitialised shared memory reads as NaN
    for (int i = 0; i < n; i++) {
        Fiber& f = w->fibers[i];
        f.lane = i & 31;
        f.ids.threadIdx = {(unsigned)(i % l.block[0]), (unsigned)((i / l.block[0]) % l.block[1]), (unsigned)(i / (l.block[0] * l.block[1]))};
        f.ids.blockIdx = {w->block[0], w->block[1], w->block[2]};
        f.ids.blockDim = {l.block[0], l.block[1], l.block[2]};
        f.ids.gridDim = {l.grid[0], l.grid[1], l.grid[2]};
        start_fiber(w, &f, i);
    }
    if (sigsetjmp(w->fault, 1)) { // a fiber failed or faulted: the block is abandoned
        w->in_kernel = false;
        emu_ids = nullptr;
        return;
    }
    bool rev = reverse_order();
    for (;;) {
        int live = 0;
        for (int k = 0; k < n; k++) {
            Fiber& f = w->fibers[rev ? n - 1 - k : k];
            if (f.state == RUN) {
                w->current = &f;
                emu_ids = &f.ids;
                w->in_kernel = true;
                emu_switch(&w->sched_sp, f.sp);
                w->in_kernel = false;
                if (g->failed) return; // another block failed: stop early
            }
            if (f.state != DONE) live++;
        }
        if (live == 0) return;
        int counts[5] = {0, 0, 0, 0, 0};
        for (int i = 0; i < n; i++) counts[w->fibers[i].state]++;
        std::string problem;
        if (counts[AT_SHUFFLE] && release_shuffles(w, problem)) continue;
        if (!problem.empty()) { g->fail(719, problem + " in " + where(w, nullptr)); return; }
        if (counts[AT_BARRIER] == live) {
            for (int i = 0; i < n; i++) if (w->fibers[i].state == AT_BARRIER) w->fibers[i].state = RUN;
            continue;
        }
        if (counts[AT_GRID] == live) {
            if (!grid_barrier(g)) return;
            for (int i = 0; i < n; i++) if (w->fibers[i].state == AT_GRID) w->fibers[i].state = RUN;
            continue;
        }
        char b[200];
        snprintf(b, sizeof b, "deadlock: of %d live threads %d wait in __syncthreads, %d in a shuffle, %d in grid.sync", live,
                 counts[AT_BARRIER], counts[AT_SHUFFLE], counts[AT_GRID]);
        g->fail(719, std::string(b) + " in " + where(w, nullptr));
        return;
    }
}

// ---- faults ---------------------------------------------------------------------------------------------
static struct sigaction previous_segv, previous_bus;
static void on_fault(int sig, siginfo_t* info, void* ctx) {
    Worker* w = is_worker_thread() ? self : nullptr;
    if (w && w->in_kernel) {
        char b[160];
        snprintf(b, sizeof b, "illegal address %p (%s)", info->si_addr, sig == SIGSEGV ? "SIGSEGV" : "SIGBUS");
        w->in_kernel = false;
        w->grid->fail(700, std::string(b) + " in " + where(w, w->current));
        siglongjmp(w->fault, 1);
    }
    struct sigaction& prev = sig == SIGSEGV ? previous_segv : previous_bus; // not ours: the JVM's
    if (prev.sa_flags & SA_SIGINFO) { prev.sa_sigaction(sig, info, ctx); return; }
    if (prev.sa_handler == SIG_DFL || prev.sa_handler == SIG_IGN) { signal(sig, SIG_DFL); raise(sig); return; }
    prev.sa_handler(sig);
}
static void install_fault_handler() {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_segv);
    sigaction(SIGBUS, &sa, &previous_bus);
}

// ---- the pool -------------------------------------------------------------------------------------------
// Never destroyed: at JVM exit the pool threads still wait on them, and destroying a condition variable
// with waiters blocks exit forever.
static std::mutex& pool_mutex = *new std::mutex;
static std::condition_variable& pool_cv = *new std::condition_variable;
static Grid* current_grid = nullptr;
static long grid_serial = 0;
static int pool_size = 0;

static void worker_loop() {
    Worker* w = new Worker();
    self = w;
    int slot = worker_count.fetch_add(1);
    if (slot >= MAX_WORKERS) { fprintf(stderr, "sagan4j emulator: more than %d pool threads\n", MAX_WORKERS); abort(); }
    worker_ids[slot] = pthread_self();
    w->smem.resize(EMU_SMEM_OPTIN);
    stack_t alt;
    alt.ss_sp = malloc(ALTSTACK_BYTES);
    alt.ss_size = ALTSTACK_BYTES;
    alt.ss_flags = 0;
    sigaltstack(&alt, nullptr);
    long seen = 0;
    for (;;) {
        Grid* g;
        {
            std::unique_lock<std::mutex> lk(pool_mutex);
            pool_cv.wait(lk, [&] { return current_grid && grid_serial != seen; });
            seen = grid_serial;
            g = current_grid;
            g->attached++;
        }
        for (int b; !g->failed && (b = g->next.fetch_add(1)) < g->blocks;) {
            run_block(w, g, b);
            std::lock_guard<std::mutex> lk(g->m);
            g->finished++;
            g->cv.notify_all();
        }
        std::lock_guard<std::mutex> lk(g->m);
        g->attached--;
        g->cv.notify_all();
    }
}

static std::mutex& launch_mutex = *new std::mutex;

int emu_launch(const EmuLaunch& l, std::string& error) {
    std::lock_guard<std::mutex> serial(launch_mutex);
    static std::once_flag once;
    std::call_once(once, install_fault_handler);
    Grid g;
    g.l = l;
    g.blocks = (int)(l.grid[0] * l.grid[1] * l.grid[2]);
    int want = l.cooperative ? std::max(g.blocks, 2) : 2;
    if (const char* s = getenv("SAGAN4J_EMU_WORKERS")) want = std::max(want, atoi(s));
    if (trace())
        fprintf(stderr, "[emu] %s grid (%u,%u,%u) block (%u,%u,%u) smem %zu%s\n", l.kernel->name, l.grid[0], l.grid[1], l.grid[2],
                l.block[0], l.block[1], l.block[2], l.dynamicSmem, l.cooperative ? " cooperative" : "");
    {
        std::lock_guard<std::mutex> lk(pool_mutex);
        while (pool_size < want) { std::thread(worker_loop).detach(); pool_size++; }
        current_grid = &g;
        grid_serial++;
    }
    pool_cv.notify_all();
    {
        std::unique_lock<std::mutex> lk(g.m);
        // done when every block finished, or after a failure once no block is still running
        g.cv.wait(lk, [&] { return g.finished >= g.blocks || (g.failed && g.finished >= std::min(g.next.load(), g.blocks)); });
    }
    {
        std::lock_guard<std::mutex> lk(pool_mutex);
        current_grid = nullptr;
    }
    {
        std::unique_lock<std::mutex> lk(g.m);
        g.cv.wait(lk, [&] { return g.attached == 0; }); // g lives on this stack
    }
    if (g.error) error = g.message;
    return g.error;
}
