set -e
cd /work/main
for cfg in "tiny 16 10 3" "sagan32 16 6 2" "sagan32 64 3 1"; do
  set -- $cfg
  echo "=== $1 batch $2 $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  java -jar target/sagan4j.jar bench step --device cpu --peer --preset $1 --batch $2 --steps $3 --warmup $4 --rounds 2 --json /tmp/bench/$1-b$2.json
done
echo "=== end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
