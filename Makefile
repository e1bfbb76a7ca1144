# Reusable volatile overlayfs mounts: the lab.
#   make check   build the debug kernel, boot it, run every test
#   make demo    boot the release kernel and walk through the feature
# See README.md for the other targets.

FLAVOUR ?= debug
S := scripts

.PHONY: all deps tree export kernel kselftest ovltrace check demo bench series-check peer-check clean help

all: kernel ovltrace

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## deps          install the Debian packages the lab needs (needs root)
deps:
	@$(S)/deps

## tree          make build/linux: the Debian 6.12 base plus patches/ (git am)
tree: deps
	@$(S)/tree

## export        write the commits of build/linux back to patches/
export: deps
	@$(S)/export

## kernel        build the FLAVOUR (debug|release) kernel into build/kernel-FLAVOUR
kernel: deps
	@$(S)/tree --ensure
	@$(S)/kernel $(FLAVOUR)

## kselftest     build the overlayfs kselftests against the FLAVOUR kernel
kselftest: kernel
	@$(S)/kselftest $(FLAVOUR)

## ovltrace      build ovltrace/ (the operators' reader) into build/ovltrace
ovltrace: deps
	@$(MAKE) -s -C ovltrace O=$(CURDIR)/build/ovltrace WERROR=1

## check         debug kernel + kselftests + tests/ in the VM; ends "N passed, N failed"
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

## peer-check  fstests overlay/quick and unionmount-testsuite on the release kernel and on the base (about 2 h; peer/README.md)
peer-check: deps
	@$(S)/tree --ensure
	@$(S)/kernel release
	@$(S)/peer-check

## series-check build every prefix of the series (release config) and checkpatch each patch; slow
series-check: deps
	@$(S)/series-check

## config-check build the tree with each kconfig/variants/ fragment (no tracepoints, no sysfs); slow
config-check: deps
	@$(S)/config-check

## clean         remove build output except build/linux (your kernel work)
clean:
	rm -rf build/kernel-* build/kselftest-* build/tools build/ovltrace build/vm build/check build/peer build/peer-check
	rm -rf build/bench build/bench-tools build/bench-smoke* build/fixtures build/linux-base
	rm -rf build/series-check build/config-check build/linux-*-base build/lab-test.* build/reboot-test.* build/tree-test.*
	[ ! -d build/linux ] || git -C build/linux worktree prune
