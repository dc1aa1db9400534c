#!/bin/bash
cd /work/main
for spec in "sagan32 16 2" "biggan32 16 2" "sagan32 64 2"; do
  set -- $spec
  java -jar /tmp/peer/j8.jar bench step --preset $1 --batch $2 --threads $3 --device cpu --peer --rounds 1 --json /tmp/peer/rss-$1-b$2-t$3.json > /tmp/peer/rss-$1-b$2-t$3.txt 2>&1
  echo "$spec rc $?" >> /tmp/peer/rssdone.txt
done
