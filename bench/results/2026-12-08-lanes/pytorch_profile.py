import sys, torch
sys.path.insert(0, ".")
from types import SimpleNamespace
from torch_step import make_steps
from gan_models import Generator, Discriminator
torch.set_num_threads(2)
a = SimpleNamespace(preset='sagan32', resolution=32, image_channels=3, classes=10, ch=64, z_dim=128, attention_g=16, attention_d=16,
    sn_g=1, sn_d=1, blocks='seed', shared=False, shared_dim=0, gain_offset=0.0, batch=int(sys.argv[1]))
torch.manual_seed(1)
g, d = Generator(a), Discriminator(a)
ds, gs = make_steps(g, d, a, True)
for _ in range(3): ds(); gs()
from torch.profiler import profile, ProfilerActivity
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for _ in range(5): ds(); gs()
ka = prof.key_averages()
tot = sum(e.self_cpu_time_total for e in ka)
conv = sum(e.self_cpu_time_total for e in ka if 'conv' in e.key or 'mkldnn' in e.key)
print(f"total self CPU per step {tot/5/1000:.1f} ms, conv-named ops {conv/5/1000:.1f} ms")
print(ka.table(sort_by="self_cpu_time_total", row_limit=14))
