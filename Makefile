# nodescope — build, test, demo, bench, install.
# Sources are found by wildcard: src/<layer>/*.c make the library, src/main.c the
# program, tests/unit/test_*.c one cmocka program each.

CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc
LIBS    := -lelf -ldw -ledit -lz -lm -lpthread -lstdc++
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/main.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

OBJ      := $(LIB_SRC:src/%.c=build/obj/%.o) build/obj/main.o
SAN_OBJ  := $(LIB_SRC:src/%.c=build/san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/san/tests/%)

DEPS_STAMP := build/.deps-ok
# `make V=1` shows the full compiler command lines.
Q := $(if $(V),,@)

.PHONY: all deps test unit e2e demo bench install clean format
all: build/nodescope

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	@sh scripts/install-deps.sh
	@mkdir -p build && touch $@

build/nodescope: $(DEPS_STAMP) $(OBJ)
	@echo "  LINK  $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $(OBJ) $(LIBS)

build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

# The sanitizer build: the program used by the end-to-end tests, and the unit tests.
build/san/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $< (sanitizers)"
	$(Q)$(CC) $(WARN) -O1 -g $(SAN) -MMD -MP -c -o $@ $<

build/san/nodescope: $(DEPS_STAMP) $(SAN_OBJ) build/san/main.o
	@echo "  LINK  $@"
	$(Q)$(CC) $(SAN) -o $@ $(SAN_OBJ) build/san/main.o $(LIBS)

build/san/tests/%: tests/unit/%.c $(SAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST  $@"
	$(Q)$(CC) $(WARN) -O1 -g $(SAN) -o $@ $< $(SAN_OBJ) $(LIBS) -lcmocka

test: $(DEPS_STAMP)
	@sh scripts/install-deps.sh --test
	$(MAKE) build/nodescope build/san/nodescope $(UNIT_BIN)
	sh tests/run.sh

demo: build/nodescope
	sh demo/run.sh

bench: build/nodescope
	sh bench/run.sh

install: build/nodescope
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 build/nodescope $(DESTDIR)$(PREFIX)/bin/nodescope

format:
	clang-format -i src/*.c src/*/*.c src/*/*.h tests/unit/*.c

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(SAN_OBJ:.o=.d)
