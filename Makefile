# Reusable volatile overlayfs mounts: the lab.
#   make check   build the debug kernel, boot it, run every test
#   make demo    boot the release kernel and walk through the feature
# See README.md for the other targets.

FLAVOUR ?= debug
# The kernel base: 7.3 (the upstream series, patches/7.3) or 6.12 (the
# stable backport, patches/6.12). The scripts read it as LAB_BASE.
LAB_BASE ?= 7.3
BASE ?= $(LAB_BASE)
export LAB_BASE := $(BASE)
S := scripts

.PHONY: all deps tree export kernel kselftest ovltrace check demo bench series-check config-check peer-check clean help runtime-check demo-runtime

all: kernel ovltrace

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## deps          install the Debian packages the lab needs (needs root), fetch the 7.3 source
deps:
	@$(S)/deps

## tree          make build/linux-BASE: the Debian base plus patches/BASE (git am); BASE=7.3|6.12
tree: deps
	@$(S)/tree

## export        write the commits of build/linux-BASE back to patches/BASE
export: deps
	@$(S)/export

## kernel        build the FLAVOUR (debug|release) kernel into build/kernel-BASE-FLAVOUR
kernel: deps
	@$(S)/tree --ensure
	@$(S)/kernel $(FLAVOUR)

## kselftest     build the overlayfs kselftests against the FLAVOUR kernel
kselftest: kernel
	@$(S)/kselftest $(FLAVOUR)

## ovltrace      build ovltrace/ (the operators' reader) into build/ovltrace
ovltrace: deps
	@$(MAKE) -s -C ovltrace O=$(CURDIR)/build/ovltrace WERROR=1

## check         debug kernel + kselftests + tests/ in the VM; on 7.3 also a 6.12 subset; ends "N passed, N failed"
check: deps
	@$(S)/tree --ensure
	@$(S)/kernel debug
	@LAB_FLAVOUR=debug $(S)/check

## demo          boot the release kernel and show the feature step by step
demo: deps
	@$(S)/tree --ensure
	@$(S)/kernel release
	@$(S)/demo

## bench         benchmarks on the release kernel into bench/results/ (about 45 min; see bench/README.md)
bench: deps
	@$(S)/tree --ensure
	@$(S)/kernel release
	@$(S)/bench

## peer-check  fstests overlay/quick and unionmount-testsuite on the release kernel and on the base, side by side (about 45 min on 2 cores; peer/README.md)
peer-check: deps
	@$(S)/tree --ensure
	@$(S)/kernel release
	@$(S)/peer-check

## runtime-check podman (stock and with runtimes/containers-storage/) on the patched kernel; about 45 min (docs/runtime.md)
runtime-check: deps
	@$(S)/tree --ensure
	@$(S)/kernel $(FLAVOUR)
	@$(S)/kernel release
	@LAB_FLAVOUR=$(FLAVOUR) $(S)/runtime-check

## demo-runtime  podman restarts a volatile container twice without a sync, then refuses a damaged one
demo-runtime: deps
	@$(S)/tree --ensure
	@$(S)/kernel release
	@$(S)/runtime-demo

## series-check build every prefix of the series (release config) and checkpatch each patch; slow
series-check: deps
	@$(S)/series-check

## config-check build the tree with each kconfig/variants/ fragment (no tracepoints, no sysfs); slow
config-check: deps
	@$(S)/config-check

## clean         remove build output except the trees build/linux-* (your kernel work) and the fetched sources
clean:
	rm -rf build/kernel-* build/kselftest-* build/tools build/ovltrace build/vm build/check build/peer build/peer-check
	rm -rf build/bench build/bench-tools build/bench-smoke* build/fixtures build/linux-*-base
	rm -rf build/runtime-check
	rm -rf build/series-check build/config-check build/lab-test.* build/reboot-test.* build/tree-test.*
	for t in build/linux-7.3 build/linux-6.12; do [ ! -d $$t ] || git -C $$t worktree prune; done
