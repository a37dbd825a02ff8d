/*
 * dirtier.c: the lab's guest kernel, a bare-metal program that dirties RAM
 * at a known rate so that live migration has real work to do.
 *
 * It is a 32-bit multiboot ELF booted by QEMU's -kernel (libvirt's
 * <os><kernel>, see boot.S and link.ld) on machine 'pc'.  Everything it
 * needs from the outside comes from the kernel command line (libvirt's
 * <cmdline>), every option optional:
 *
 *   rate=N     timer-paced mode: dirty N MiB/s (N * 256 distinct 4 KiB pages,
 *              one store each), paced by the PIT, idling with sti;hlt (0)
 *   wss=N      working set in MiB, walked round-robin from 4 MiB up     (32)
 *   hz=N       PIT tick rate, 20..1000                                  (100)
 *   fill=1     write non-zero data into all RAM above the kernel at boot,
 *              so the first migration pass has to move every page       (0)
 *   quiet=1    no heartbeat lines (the counters below are still kept)   (0)
 *   spin=N     CPU-bound mode instead of rate=: dirty the working set as
 *              fast as the vCPU runs, with N turns of an empty volatile
 *              loop between two page writes, so the dirty rate follows the
 *              CPU time the guest gets (auto-converge throttling bites)  (0)
 *   disk=1     write a pattern to the primary master IDE disk at boot and
 *              print the CRC32 of that region, read back, every heartbeat
 *              (disk.c: bus-master DMA, or PIO)                          (0)
 *   diskmib=N  size of that region in MiB                               (4)
 *   seed=N     seed of the pattern                                      (1)
 *   pio=1      move the disk data by PIO even when DMA is there (slow)  (0)
 *   check=0    do not verify the working set at each heartbeat          (1)
 *   tlbflush=0 do not flush the TLB at every tick                       (1)
 *
 * Once a second it prints to COM1 (the serial log of whichever host runs it)
 *
 *   hb <sec> dirtied=<MiB total> rate=<MiB/s last second> wss=<MiB>
 *      [spin=N] mem=ok|bad:<pages> [disk_crc=0x<crc32>]
 *
 * and keeps <sec> at guest-physical 0x7000 and the dirtied page count at
 * 0x7004 (both u32), readable with
 *   virsh qemu-monitor-command DOM --hmp 'xp /2wx 0x7000'
 *
 * mem= checks the working set: every page must still hold the last value
 * the guest stored in it, and not the next one.  A migration that lost a
 * dirty page (the destination got a stale copy of it) shows up as mem=bad,
 * and so does a stale copy of the guest's own bookkeeping (its stack).
 *
 * Two clocks.  rate= is paced by PIT ticks, counted by the IRQ0 handler.
 * A tick that arrives while the vCPU is held (QEMU's auto-converge
 * throttle) merges with the next one, so a throttled guest receives fewer
 * ticks and dirties less.  Seconds, for the heartbeat and the measured
 * rate, come from the TSC: under TCG it follows the VM's clock, stops
 * while the VM is paused, migrates with it and runs on through throttling,
 * so rate= is MiB per real second and shows what the throttle does.  It
 * is calibrated at boot against PIT channel 2, polled as Linux does (see
 * clock_init), so a vCPU descheduled at boot does not skew it.
 *
 * Why a TLB flush at every tick: QEMU before 9.0 (Debian 12 ships 7.2)
 * loses stores under TCG during migration.  The fast path of its dirty
 * bitmap sync clears dirty bits without resetting the TCG TLB, so a page
 * that stays in the TLB (our stack) is not marked dirty again and the
 * destination gets an old copy (fixed upstream by "physmem: Fix migration
 * dirty bitmap coherency with TCG memory access", 2024).  Real kernels
 * flush their TLBs all the time (context switches) and rarely hit it; a
 * flush per tick does the same for us.  tlbflush=0 shows the bug: a
 * bandwidth-capped migration of several passes ends in mem=bad.
 */
#include <stddef.h>
#include <stdint.h>

#include "disk.h"
#include "io.h"

#define PAGE_SIZE       4096u
#define PAGES_PER_MIB   256u
#define WS_BASE         (4u << 20)      /* the working set starts at 4 MiB */
#define HB_COUNTERS     ((volatile uint32_t *)0x7000)
#define PIT_HZ          1193182u
#define PIT_CAL_COUNT   23864u          /* 20 ms of PIT input clock */
#define RATE_MAX        8000u           /* MiB/s: keeps pages * hz in a u32 */

#define COM1            0x3f8
#define SPINS           10000000u       /* polling budget */

/* Provided by boot.S. */
void isr_tick(void);
void isr_fault(void);
void isr_ignore(void);
extern char kernel_end[];

void kmain(uint32_t magic, const uint32_t *mbi);
void dirtier_fault(void);

volatile uint32_t ticks;                /* incremented by isr_tick */
uint32_t tick_flush;                    /* isr_tick flushes the TLB if set */

/* ---- options: one row per command-line key ---------------------------- */

struct opts {
    uint32_t rate, wss, hz, fill, quiet, spin, disk, diskmib, seed, check;
    uint32_t tlbflush, pio;
};

static const struct opt_row {
    const char *key;
    size_t off;
    uint32_t def, min, max;
} opt_rows[] = {
    { "rate",    offsetof(struct opts, rate),    0,   0,   RATE_MAX },
    { "wss",     offsetof(struct opts, wss),     32,  1,   4096 },
    { "hz",      offsetof(struct opts, hz),      100, 20,  1000 },
    { "fill",    offsetof(struct opts, fill),    0,   0,   1 },
    { "quiet",   offsetof(struct opts, quiet),   0,   0,   1 },
    { "spin",    offsetof(struct opts, spin),    0,   0,   UINT32_MAX },
    { "disk",    offsetof(struct opts, disk),    0,   0,   1 },
    { "diskmib", offsetof(struct opts, diskmib), 4,   1,   1024 },
    { "seed",    offsetof(struct opts, seed),    1,   0,   UINT32_MAX },
    { "check",   offsetof(struct opts, check),   1,   0,   1 },
    { "tlbflush", offsetof(struct opts, tlbflush), 1,  0,   1 },
    { "pio",     offsetof(struct opts, pio),     0,   0,   1 },
};

/* ---- serial console: one line at a time ------------------------------- */

struct line {
    char buf[160];
    uint32_t len;
};

static void
ser_init(void)
{
    outb(COM1 + 1, 0x00);               /* no UART interrupts */
    outb(COM1 + 3, 0x80);               /* DLAB on: divisor 1 = 115200 */
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);               /* 8N1 */
    outb(COM1 + 2, 0xc7);               /* FIFO on, cleared */
    outb(COM1 + 4, 0x03);               /* DTR, RTS */
}

static void
ser_putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))     /* transmit holding register empty */
        ;
    outb(COM1, (uint8_t)c);
}

static void
line_str(struct line *l, const char *s)
{
    while (*s && l->len < sizeof(l->buf) - 1)
        l->buf[l->len++] = *s++;
}

static void
line_u32(struct line *l, uint32_t v)
{
    char d[11];
    int i = 10;

    d[i] = '\0';
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    line_str(l, &d[i]);
}

static void
line_hex(struct line *l, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    char d[11];
    int i;

    d[0] = '0';
    d[1] = 'x';
    for (i = 0; i < 8; i++)
        d[2 + i] = digits[(v >> (28 - 4 * i)) & 0xf];
    d[10] = '\0';
    line_str(l, d);
}

static void
line_kv(struct line *l, const char *key, uint32_t v)
{
    line_str(l, key);
    line_u32(l, v);
}

/* Print the line with CR LF and empty it. */
static void
line_flush(struct line *l)
{
    uint32_t i;

    for (i = 0; i < l->len; i++)
        ser_putc(l->buf[i]);
    ser_putc('\r');
    ser_putc('\n');
    l->len = 0;
}

static void
say(const char *msg)
{
    struct line l = { .len = 0 };

    line_str(&l, msg);
    line_flush(&l);
}

void
dirtier_fault(void)
{
    say("dirtier: cpu exception, halted");
}

/* ---- command line ----------------------------------------------------- */

/* Value of "key=N" in the space-separated cmdline, or -1 when absent. */
static int64_t
cmdline_find(const char *cl, const char *key)
{
    const char *p, *k, *q;
    uint32_t v;

    for (p = cl; cl && *p; p++) {
        if (p != cl && p[-1] != ' ')
            continue;
        for (k = key, q = p; *k && *q == *k; k++, q++)
            ;
        if (*k || *q != '=')
            continue;
        for (v = 0, q++; *q >= '0' && *q <= '9'; q++)
            v = v * 10 + (uint32_t)(*q - '0');
        return v;
    }
    return -1;
}

static void
opts_parse(struct opts *o, const char *cl)
{
    const struct opt_row *r;
    uint32_t *field;
    int64_t v;

    for (r = opt_rows; r < opt_rows + sizeof(opt_rows) / sizeof(*r); r++) {
        field = (uint32_t *)((char *)o + r->off);
        v = cmdline_find(cl, r->key);
        *field = v < 0 ? r->def : (uint32_t)v;
        if (*field < r->min)
            *field = r->min;
        if (*field > r->max)
            *field = r->max;
    }
}

/* ---- interrupts: IDT, 8259 PIC, PIT ----------------------------------- */

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} __attribute__((packed));

static struct idt_gate idt[256];

static void
idt_set(int vec, void (*isr)(void))
{
    uint32_t a = (uint32_t)isr;

    idt[vec] = (struct idt_gate){ .off_lo = a & 0xffff, .sel = 0x08,
                                  .type = 0x8e, .off_hi = a >> 16 };
}

/* Vectors 0-31 are faults, IRQ0 lands on 0x20; start the PIT at hz. */
static void
irq_init(uint32_t hz)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
    uint32_t div = PIT_HZ / hz;
    int v;

    for (v = 0; v < 256; v++)
        idt_set(v, v < 32 ? isr_fault : isr_ignore);
    idt_set(0x20, isr_tick);
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint32_t)idt;
    __asm__ volatile("lidt %0" : : "m"(idtr));

    outb(0x20, 0x11);                   /* ICW1: cascade, ICW4 follows */
    outb(0xa0, 0x11);
    outb(0x21, 0x20);                   /* ICW2: master at 0x20 */
    outb(0xa1, 0x28);                   /*       slave at 0x28 */
    outb(0x21, 0x04);                   /* ICW3: slave on IRQ2 */
    outb(0xa1, 0x02);
    outb(0x21, 0x01);                   /* ICW4: 8086 mode */
    outb(0xa1, 0x01);
    outb(0x21, 0xfe);                   /* unmask IRQ0 only */
    outb(0xa1, 0xff);

    outb(0x43, 0x34);                   /* channel 0, lo/hi, rate generator */
    outb(0x40, div & 0xff);
    outb(0x40, (div >> 8) & 0xff);
}

/* ---- the disk pattern (disk.c) --------------------------------------- */

/* Probe the disk and write the pattern: 0, or -1 when disk mode is off. */
static int
disk_setup(struct disk *d, const struct opts *o)
{
    struct line l = { .len = 0 };
    uint32_t crc;

    if (disk_probe(d, o->diskmib, o->seed, !o->pio) == 0) {
        say("disk=absent");
        return -1;
    }
    if (disk_pass(d, 1, &crc) < 0) {
        say("disk: write failed");
        return -1;
    }
    line_kv(&l, "disk: wrote sectors=", d->sectors);
    line_kv(&l, " seed=", d->seed);
    line_str(&l, " crc=");
    line_hex(&l, crc);
    line_str(&l, d->bmdma ? " dma=1" : " dma=0");
    line_flush(&l);
    return 0;
}

/* ---- dirtying and the heartbeat -------------------------------------- */

struct dirtier {
    const struct opts *o;
    struct disk *disk;                  /* NULL unless disk mode is on */
    uint32_t wss;                       /* MiB, after clamping to RAM */
    uint32_t wss_pages, cur, gen;
    uint32_t dirtied;                   /* pages, since boot */
    uint64_t tsc_hz;                    /* TSC cycles per second */
    uint32_t tsc_kpms;                  /* 1024 TSC cycles per ms */
    uint64_t hb_next, hb_tsc;           /* TSC of the next, last heartbeat */
    uint32_t hb_sec, hb_dirtied;
};

/* The word page k holds in generation g: where it goes and what it is. */
#define WS_WORD(g, k)   (((g) + (k)) & (PAGE_SIZE / 4 - 1))
#define WS_VALUE(g, k)  ((g) ^ (k) ^ 0xd1d1d1d1u)

static inline void
dirty_one(struct dirtier *d)
{
    volatile uint32_t *p = (volatile uint32_t *)(WS_BASE + d->cur * PAGE_SIZE);

    p[WS_WORD(d->gen, d->cur)] = WS_VALUE(d->gen, d->cur);  /* one store */
    if (++d->cur == d->wss_pages) {
        d->cur = 0;
        d->gen++;
    }
    d->dirtied++;
}

/*
 * Pages of the working set whose content disagrees with our bookkeeping:
 * the value of the last generation written must be there, and the value
 * of the next one must not (else the bookkeeping itself is stale).
 */
static uint32_t
ws_check(const struct dirtier *d)
{
    const volatile uint32_t *p;
    uint32_t k, g, bad = 0;

    for (k = 0; k < d->wss_pages; k++) {
        g = k < d->cur ? d->gen : d->gen - 1;
        p = (const volatile uint32_t *)(WS_BASE + k * PAGE_SIZE);
        if (g > 0 && p[WS_WORD(g, k)] != WS_VALUE(g, k))
            bad++;
        else if (p[WS_WORD(g + 1, k)] == WS_VALUE(g + 1, k))
            bad++;
    }
    return bad;
}

/* n / d without libgcc's __udivdi3: two divl, the second cannot overflow. */
static uint64_t
div64_32(uint64_t n, uint32_t d)
{
    uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n, qhi, qlo, r;

    qhi = hi / d;
    r = hi % d;
    __asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
    return (uint64_t)qhi << 32 | qlo;
}

/*
 * One (TSC, PIT channel 2 count) pair.  Of five readings keep the one
 * taken in the shortest window, so a vCPU preempted in between (a busy
 * host) does not skew the pair.
 */
static uint32_t
clock_pit2(uint64_t *tsc)
{
    uint64_t t1, t2, best = UINT64_MAX;
    uint32_t count = 0, c;
    int i;

    for (i = 0; i < 5; i++) {
        t1 = rdtsc();
        outb(0x43, 0x80);               /* latch channel 2 */
        c = inb(0x42);
        c |= (uint32_t)inb(0x42) << 8;
        t2 = rdtsc();
        if (t2 - t1 < best) {
            best = t2 - t1;
            *tsc = t1;
            count = c;
        }
    }
    return count;
}

/*
 * TSC cycles per second: compare the TSC with PIT channel 2 counting down
 * 20 ms from 0xffff, five times, and keep the lowest estimate.  The 16-bit
 * count wraps every 55 ms, so a vCPU preempted longer than that (a busy
 * host) can miss a wrap and overestimate; it cannot underestimate.
 */
static void
clock_init(struct dirtier *d)
{
    struct line l = { .len = 0 };
    uint8_t port61 = inb(0x61);
    uint64_t ta, tb, hz, best = 0;
    uint32_t ca, cb, n;
    int w;

    outb(0x61, (port61 & ~0x02) | 0x01);   /* speaker off, gate 2 on */
    for (w = 0; w < 5; w++) {
        outb(0x43, 0xb0);                  /* channel 2, lo/hi, one-shot */
        outb(0x42, 0xff);
        outb(0x42, 0xff);
        ca = clock_pit2(&ta);
        for (n = 0; n < SPINS; n++) {
            cb = clock_pit2(&tb);
            if (cb > ca || ca - cb >= PIT_CAL_COUNT)
                break;
        }
        if (cb >= ca)                      /* saw the wrap, or no PIT */
            continue;
        hz = div64_32((tb - ta) * PIT_HZ, ca - cb);
        if (best == 0 || hz < best)
            best = hz;
    }
    outb(0x61, port61);
    d->tsc_hz = best ? best : 1000000000u;      /* no PIT: a guess */
    d->tsc_kpms = (uint32_t)(d->tsc_hz >> 10) / 1000;
    if (d->tsc_kpms == 0)
        d->tsc_kpms = 1;
    d->hb_tsc = rdtsc();
    d->hb_next = d->hb_tsc + d->tsc_hz;
    line_kv(&l, "dirtier: clock tsc_mhz=",
            (uint32_t)div64_32(d->tsc_hz, 1000000));
    line_flush(&l);
}

/* MiB/s from pages dirtied over some TSC cycles, without 64-bit division. */
static uint32_t
rate_mib(const struct dirtier *d, uint32_t pages, uint64_t cycles)
{
    uint32_t ms = (uint32_t)(cycles >> 10) / d->tsc_kpms;

    if (ms == 0)
        return 0;
    if (pages > UINT32_MAX / 1000)
        return pages / PAGES_PER_MIB * 1000 / ms;
    return pages * 1000 / ms / PAGES_PER_MIB;
}

/* Once a second has passed: update the counters, print the line. */
static void
heartbeat(struct dirtier *d)
{
    struct line l = { .len = 0 };
    uint64_t now = rdtsc();
    uint32_t crc, bad;

    HB_COUNTERS[1] = d->dirtied;
    if (now < d->hb_next)
        return;
    while (now >= d->hb_next) {         /* a late heartbeat skips seconds */
        d->hb_next += d->tsc_hz;
        d->hb_sec++;
    }
    HB_COUNTERS[0] = d->hb_sec;
    if (!d->o->quiet) {
        line_kv(&l, "hb ", d->hb_sec);
        line_kv(&l, " dirtied=", d->dirtied / PAGES_PER_MIB);
        line_kv(&l, " rate=", rate_mib(d, d->dirtied - d->hb_dirtied,
                                       now - d->hb_tsc));
        line_kv(&l, " wss=", d->wss);
        if (d->o->spin)
            line_kv(&l, " spin=", d->o->spin);
        if (d->o->check) {
            bad = ws_check(d);
            if (bad)
                line_kv(&l, " mem=bad:", bad);
            else
                line_str(&l, " mem=ok");
        }
        if (d->disk) {
            line_str(&l, " disk_crc=");
            if (disk_pass(d->disk, 0, &crc) < 0)
                line_str(&l, "error");
            else
                line_hex(&l, crc);
        }
        line_flush(&l);
    }
    d->hb_tsc = now;
    d->hb_dirtied = d->dirtied;
}

/* rate= mode: a budget of pages per tick, sleeping in between. */
static void
run_paced(struct dirtier *d)
{
    uint32_t hz = d->o->hz, pps = d->o->rate * PAGES_PER_MIB;
    uint32_t last = ticks, t, dt, acc = 0, n;

    for (;;) {
        __asm__ volatile("sti; hlt" : : : "memory");
        t = ticks;
        dt = t - last;
        last = t;
        if (dt > hz)                    /* no catching up after a stall */
            dt = hz;
        acc += pps * dt;                /* in pages / hz */
        n = acc / hz;
        acc -= n * hz;
        while (n--)
            dirty_one(d);
        heartbeat(d);
    }
}

/*
 * spin= mode: as fast as the vCPU runs, so CPU throttling slows it down.
 * The clock is read only when a tick has come in (rdtsc is not free).
 */
static void
run_spin(struct dirtier *d)
{
    volatile uint32_t i;
    uint32_t seen = ticks;

    for (;;) {
        dirty_one(d);
        for (i = 0; i < d->o->spin; i++)
            ;
        if (ticks != seen) {
            seen = ticks;
            heartbeat(d);
        }
    }
}

/* Make every page from the end of the kernel to the top of RAM non-zero. */
static void
ram_fill(uint32_t ram_top)
{
    uint32_t a = ((uint32_t)kernel_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    volatile uint32_t *p;
    uint32_t i;

    for (; a + PAGE_SIZE <= ram_top; a += PAGE_SIZE) {
        p = (volatile uint32_t *)a;
        for (i = 0; i < PAGE_SIZE / 4; i += 128)
            p[i] = (a ^ i ^ 0x5a5a5a5au) | 1;
    }
}

static void
banner(const struct opts *o, uint32_t ram_mib, uint32_t wss)
{
    struct line l = { .len = 0 };

    line_kv(&l, "dirtier: boot ram_mib=", ram_mib);
    line_kv(&l, " rate=", o->rate);
    line_kv(&l, " wss=", wss);
    line_kv(&l, " hz=", o->hz);
    line_kv(&l, " fill=", o->fill);
    line_kv(&l, " spin=", o->spin);
    line_kv(&l, " disk=", o->disk);
    line_kv(&l, " tlbflush=", o->tlbflush);
    line_flush(&l);
}

void
kmain(uint32_t magic, const uint32_t *mbi)
{
    static struct disk disk;
    struct dirtier d = { .dirtied = 0 };
    struct opts o;
    const char *cl = NULL;
    uint32_t ram_top = 0, avail;

    ser_init();
    if (magic == 0x2badb002) {
        if (mbi[0] & 0x1)               /* mem_upper: KiB above 1 MiB */
            ram_top = (mbi[2] + 1024) << 10;
        if (mbi[0] & 0x4)
            cl = (const char *)mbi[4];
    }
    opts_parse(&o, cl);
    avail = ram_top > WS_BASE ? (ram_top - WS_BASE) >> 20 : 1;
    d.o = &o;
    d.wss = o.wss < avail ? o.wss : avail;
    d.wss_pages = d.wss * PAGES_PER_MIB;
    d.gen = 1;
    HB_COUNTERS[0] = 0;
    HB_COUNTERS[1] = 0;
    banner(&o, ram_top >> 20, d.wss);

    if (o.fill) {
        ram_fill(ram_top);
        say("dirtier: filled");
    }
    tick_flush = o.tlbflush;
    irq_init(o.hz);
    __asm__ volatile("sti");
    clock_init(&d);
    if (o.disk && disk_setup(&disk, &o) == 0)
        d.disk = &disk;
    if (o.spin)
        run_spin(&d);
    run_paced(&d);
}
