# SPDX-License-Identifier: GPL-2.0-only
# VMX (arch/x86/vmx/): hosted tests of capability decoding; the kernel side links into keel.elf.

VMX_PURE_SRCS := arch/x86/vmx/caps.c arch/x86/vmx/controls.c arch/x86/vmx/policy.c \
	arch/x86/vmx/vmcs_names.c

$(eval $(call unit_test,test_vmx_caps,tests/unit/test_vmx_caps.c $(VMX_PURE_SRCS)))
