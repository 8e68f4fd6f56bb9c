#!/bin/sh
# Builds the libFuzzer harness for the heap snapshot parser with clang and runs
# it over the seed corpus (tests/fuzz/heap/) for SECONDS (default 60):
#   sh tests/fuzz/build-heap-fuzz.sh [SECONDS]
# New inputs go to build/fuzz/heap-corpus (not committed); crashes to build/fuzz/.
set -e
cd "$(dirname "$0")/../.."
secs="${1:-60}"
mkdir -p build/fuzz/heap-corpus
clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
	-o build/fuzz/heap_fuzz tests/fuzz/heap_fuzz.c \
	src/snapshot/*.c src/util/*.c -lm
build/fuzz/heap_fuzz -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
	-artifact_prefix=build/fuzz/ -dict=tests/fuzz/heap.dict \
	build/fuzz/heap-corpus tests/fuzz/heap
