#!/bin/bash
# usage: ab.sh PRESET BATCH REPS ; configs as NAME:JAR:JVMOPTS
P=$1; B=$2; R=$3; shift 3
for rep in $(seq 1 $R); do
  for cfg in "$@"; do
    name=${cfg%%:*}; rest=${cfg#*:}; jar=${rest%%:*}; opts=${rest#*:}
    out=$(java $opts -jar $jar bench step --preset $P --batch $B --threads 2 --device cpu --rounds ${ROUNDS:-3} 2>&1 | grep -E "^sagan4j \(|^sagan4j's step")
    echo "$rep $name | $(echo "$out" | head -1 | awk '{print $4, $5, $6}') | $(echo "$out" | tail -1 | sed 's/sagan4j.s step (mean): //')"
  done
done
