#!/bin/bash
cd /work/main
for spec in "tiny 32 2" "tiny 32 1" "sagan32 16 2" "sagan32 16 1" "biggan32 16 2" "biggan32 16 1" "sagan32 64 2" "sagan32 64 1"; do
  set -- $spec
  java -jar /tmp/peer/j.jar bench step --preset $1 --batch $2 --threads $3 --device cpu --peer --rounds 2 --json /tmp/peer/$1-b$2-t$3.json > /tmp/peer/$1-b$2-t$3.txt 2>&1
  echo "$spec rc $?" >> /tmp/peer/done.txt
done
