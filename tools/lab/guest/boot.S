/*
 * boot.S: multiboot (v1) entry of the lab's dirtying guest.
 *
 * QEMU's -kernel (libvirt <os><kernel>) loads a 32-bit multiboot ELF itself
 * and jumps to _start in flat 32-bit protected mode, paging off, interrupts
 * off, with EAX = the multiboot magic and EBX = the multiboot info.  We load
 * our own GDT (the loader's may live anywhere), set up a stack and call
 * kmain(magic, info) in dirtier.c, which never returns.
 *
 * Interrupt entry points live here too, because C cannot say "iret":
 *   isr_tick   IRQ0 (PIT): count a tick, flush the TLB if tick_flush is
 *              set (as an OS's scheduler tick would; see dirtier.c on why
 *              that matters under QEMU 7.2's TCG), EOI the master PIC
 *   isr_fault  CPU exceptions 0-31: report through dirtier_fault() and halt
 *   isr_ignore anything else: return at once
 */
        .set    MB_MAGIC, 0x1BADB002
        .set    MB_FLAGS, 0x00000003    /* align modules, give memory info */

        .section .multiboot, "a"
        .align  4
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

        .section .text
        .globl  _start
_start:
        cli
        movl    $boot_stack_top, %esp
        lgdt    boot_gdt_ptr
        ljmp    $0x08, $1f              /* reload CS from our GDT */
1:      movw    $0x10, %cx
        movw    %cx, %ds
        movw    %cx, %es
        movw    %cx, %fs
        movw    %cx, %gs
        movw    %cx, %ss
        pushl   %ebx                    /* kmain(magic, info) */
        pushl   %eax
        call    kmain
halt_forever:
        cli
        hlt
        jmp     halt_forever

        .globl  isr_tick
isr_tick:
        pushl   %eax
        incl    ticks
        cmpl    $0, tick_flush
        je      1f
        movl    %cr4, %eax              /* any change of CR4.PSE flushes */
        xorl    $0x10, %eax             /* the TLB, even with paging off; */
        movl    %eax, %cr4              /* flip it and flip it back */
        xorl    $0x10, %eax
        movl    %eax, %cr4
1:      movb    $0x20, %al              /* non-specific EOI to the master PIC */
        outb    %al, $0x20
        popl    %eax
        iret

        .globl  isr_fault
isr_fault:
        cli
        call    dirtier_fault           /* prints a line; we stop here */
        jmp     halt_forever

        .globl  isr_ignore
isr_ignore:
        iret

        .section .data
        .align  8
boot_gdt:
        .quad   0                       /* null descriptor */
        .quad   0x00CF9A000000FFFF      /* 0x08: flat 4 GiB code, ring 0 */
        .quad   0x00CF92000000FFFF      /* 0x10: flat 4 GiB data, ring 0 */
boot_gdt_ptr:
        .word   boot_gdt_ptr - boot_gdt - 1
        .long   boot_gdt

        .section .bss
        .align  16
        .space  16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
