/*
 * disk.c: the guest's disk pattern, for block-migration tests.
 *
 * The primary master IDE disk (libvirt's <target dev='hda' bus='ide'/>) is
 * driven in LBA28 with interrupts off (nIEN), by polling.  Transfers use
 * the PCI IDE controller's bus-master DMA, 64 KiB per command, when the
 * controller has a bus-master BAR; else 32-bit PIO, which under TCG costs
 * about a second of vCPU per 4 MiB (every port access is emulated).
 */
#include <stddef.h>
#include <stdint.h>

#include "disk.h"
#include "io.h"

#define ATA_DATA        0x1f0
#define ATA_COUNT       0x1f2
#define ATA_LBA0        0x1f3
#define ATA_LBA1        0x1f4
#define ATA_LBA2        0x1f5
#define ATA_DRIVE       0x1f6
#define ATA_STATUS      0x1f7           /* read */
#define ATA_COMMAND     0x1f7           /* write */
#define ATA_CONTROL     0x3f6           /* write: device control */
#define ATA_ALTSTATUS   0x3f6           /* read: status, no side effects */
#define ATA_ST_ERR      0x01
#define ATA_ST_DRQ      0x08
#define ATA_ST_DF       0x20
#define ATA_ST_BSY      0x80
#define ATA_CMD_READ_PIO   0x20
#define ATA_CMD_WRITE_PIO  0x30
#define ATA_CMD_READ_DMA   0xc8
#define ATA_CMD_WRITE_DMA  0xca
#define ATA_CMD_FLUSH   0xe7
#define ATA_CMD_IDENT   0xec
#define ATA_SECTOR      512u
#define ATA_SPINS       10000000u       /* polling budget per wait */

#define BATCH           128u            /* sectors per command: 64 KiB */

#define PCI_ADDR        0xcf8
#define PCI_DATA        0xcfc
#define BM_COMMAND      0               /* bus-master registers, primary */
#define BM_STATUS       2
#define BM_PRDT         4
#define BM_CMD_START    0x01
#define BM_CMD_TO_MEM   0x08            /* device to memory (a read) */
#define BM_ST_ACTIVE    0x01
#define BM_ST_ERROR     0x02
#define BM_ST_IRQ       0x04

struct prd {                            /* physical region descriptor */
    uint32_t addr;
    uint16_t bytes;                     /* 0 means 64 KiB */
    uint16_t flags;                     /* 0x8000: last entry */
};

/* One batch: a 64 KiB buffer that crosses no 64 KiB boundary, as DMA wants. */
static uint8_t batch_buf[BATCH * ATA_SECTOR] __attribute__((aligned(65536)));
static struct prd prd_table __attribute__((aligned(16)));
static uint32_t crc_table[256];

/* ---- CRC32 (IEEE 802.3, as zlib's crc32) ------------------------------- */

static void
crc_init(void)
{
    uint32_t c, n;
    int k;

    for (n = 0; n < 256; n++) {
        for (c = n, k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

/* Feed bytes to a running CRC; start with 0, the result is final. */
static uint32_t
crc_update(uint32_t crc, const void *data, uint32_t len)
{
    const uint8_t *p = data;

    crc = ~crc;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- ATA -------------------------------------------------------------- */

static void
ata_delay(void)
{
    int i;

    for (i = 0; i < 4; i++)             /* ~400 ns: four status reads */
        (void)inb(ATA_ALTSTATUS);
}

/* Wait until not busy (and, if asked, data ready): 0, or -1 on error. */
static int
ata_wait(int want_drq)
{
    uint32_t n;
    uint8_t st;

    for (n = 0; n < ATA_SPINS; n++) {
        st = inb(ATA_STATUS);
        if (st & ATA_ST_BSY)
            continue;
        if (st & (ATA_ST_ERR | ATA_ST_DF))
            return -1;
        if (!want_drq || (st & ATA_ST_DRQ))
            return 0;
    }
    return -1;
}

static int
ata_command(uint32_t lba, uint32_t count, uint8_t cmd)
{
    outb(ATA_DRIVE, 0xe0 | ((lba >> 24) & 0x0f));   /* master, LBA */
    ata_delay();
    if (ata_wait(0) < 0)
        return -1;
    outb(ATA_COUNT, (uint8_t)count);                /* 256 would be 0 */
    outb(ATA_LBA0, lba & 0xff);
    outb(ATA_LBA1, (lba >> 8) & 0xff);
    outb(ATA_LBA2, (lba >> 16) & 0xff);
    outb(ATA_COMMAND, cmd);
    ata_delay();
    return 0;
}

/* Size in sectors of an ATA disk at the primary master, or 0 if none. */
static uint32_t
ata_identify(void)
{
    uint16_t *id = (uint16_t *)batch_buf;

    outb(ATA_CONTROL, 0x02);            /* nIEN: we poll, no IRQ14 */
    if (inb(ATA_STATUS) == 0xff)        /* floating bus: no controller */
        return 0;
    outb(ATA_DRIVE, 0xa0);
    ata_delay();
    outb(ATA_COUNT, 0);
    outb(ATA_LBA0, 0);
    outb(ATA_LBA1, 0);
    outb(ATA_LBA2, 0);
    outb(ATA_COMMAND, ATA_CMD_IDENT);
    ata_delay();
    if (inb(ATA_STATUS) == 0)           /* no drive */
        return 0;
    if (ata_wait(0) < 0 || inb(ATA_LBA1) || inb(ATA_LBA2))  /* ATAPI */
        return 0;
    if (ata_wait(1) < 0)
        return 0;
    insw(ATA_DATA, id, ATA_SECTOR / 2);
    return (uint32_t)id[60] | (uint32_t)id[61] << 16;
}

/* ---- transfers: one batch of n sectors to or from batch_buf ------------ */

static int
xfer_pio(uint32_t lba, uint32_t n, int write)
{
    uint32_t i;
    uint8_t *p;

    if (ata_command(lba, n, write ? ATA_CMD_WRITE_PIO : ATA_CMD_READ_PIO) < 0)
        return -1;
    for (i = 0, p = batch_buf; i < n; i++, p += ATA_SECTOR) {
        if (ata_wait(1) < 0)
            return -1;
        if (write)
            outsl(ATA_DATA, p, ATA_SECTOR / 4);
        else
            insl(ATA_DATA, p, ATA_SECTOR / 4);
    }
    return ata_wait(0);
}

static int
xfer_dma(uint16_t bm, uint32_t lba, uint32_t n, int write)
{
    uint8_t dir = write ? 0 : BM_CMD_TO_MEM, st = 0;
    uint32_t spins;

    outb(bm + BM_COMMAND, 0);
    outb(bm + BM_STATUS, BM_ST_ERROR | BM_ST_IRQ);      /* write 1 to clear */
    prd_table.addr = (uint32_t)batch_buf;
    prd_table.bytes = (uint16_t)(n * ATA_SECTOR);       /* 64 KiB -> 0 */
    prd_table.flags = 0x8000;
    outl(bm + BM_PRDT, (uint32_t)&prd_table);
    outb(bm + BM_COMMAND, dir);
    if (ata_command(lba, n, write ? ATA_CMD_WRITE_DMA : ATA_CMD_READ_DMA) < 0)
        return -1;
    outb(bm + BM_COMMAND, dir | BM_CMD_START);
    for (spins = 0; spins < ATA_SPINS; spins++) {
        st = inb(bm + BM_STATUS);
        if (!(st & BM_ST_ACTIVE) || (st & BM_ST_ERROR))
            break;
    }
    outb(bm + BM_COMMAND, dir);                         /* stop the engine */
    outb(bm + BM_STATUS, BM_ST_ERROR | BM_ST_IRQ);
    if (st & (BM_ST_ACTIVE | BM_ST_ERROR))
        return -1;
    return ata_wait(0);
}

/* ---- PCI: the IDE controller's bus-master base, if any ---------------- */

static uint32_t
pci_read(uint32_t dev, uint32_t fn, uint32_t reg)
{
    outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
    return inl(PCI_DATA);
}

static void
pci_write(uint32_t dev, uint32_t fn, uint32_t reg, uint32_t v)
{
    outl(PCI_ADDR, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
    outl(PCI_DATA, v);
}

/* Bus 0 only: the 'pc' machine's PIIX IDE sits at 00:01.1. */
static uint16_t
pci_find_bmdma(void)
{
    uint32_t dev, fn, bar4;

    for (dev = 0; dev < 32; dev++) {
        for (fn = 0; fn < 8; fn++) {
            if ((pci_read(dev, fn, 0x00) & 0xffff) == 0xffff)
                continue;
            if ((pci_read(dev, fn, 0x08) >> 16) != 0x0101)  /* IDE class */
                continue;
            bar4 = pci_read(dev, fn, 0x20);
            if (!(bar4 & 1) || (bar4 & 0xfffc) == 0)
                return 0;
            pci_write(dev, fn, 0x04, pci_read(dev, fn, 0x04) | 0x05);
            return (uint16_t)(bar4 & 0xfffc);   /* I/O + bus master on */
        }
    }
    return 0;
}

/* ---- the pattern ------------------------------------------------------ */

static uint32_t
mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* Words of sectors lba .. lba+n-1 into batch_buf. */
static void
pattern_fill(uint32_t seed, uint32_t lba, uint32_t n)
{
    uint32_t *w = (uint32_t *)batch_buf;
    uint32_t i, first = lba * (ATA_SECTOR / 4);

    for (i = 0; i < n * (ATA_SECTOR / 4); i++)
        w[i] = mix32(seed * 0x9e3779b9u ^ (first + i));
}

/* ---- the interface ---------------------------------------------------- */

uint32_t
disk_probe(struct disk *d, uint32_t mib, uint32_t seed, int allow_dma)
{
    uint32_t size;

    crc_init();
    size = ata_identify();
    d->seed = seed;
    d->sectors = mib * (1048576u / ATA_SECTOR);
    if (d->sectors > size)
        d->sectors = size;
    d->bmdma = size && allow_dma ? pci_find_bmdma() : 0;
    return d->sectors;
}

int
disk_pass(struct disk *d, int write, uint32_t *crc)
{
    uint32_t lba, n;
    int rc;

    *crc = 0;
    for (lba = 0; lba < d->sectors; lba += n) {
        n = d->sectors - lba < BATCH ? d->sectors - lba : BATCH;
        if (write)
            pattern_fill(d->seed, lba, n);
        if (d->bmdma)
            rc = xfer_dma(d->bmdma, lba, n, write);
        else
            rc = xfer_pio(lba, n, write);
        if (rc < 0)
            return -1;
        *crc = crc_update(*crc, batch_buf, n * ATA_SECTOR);
    }
    if (write && (ata_command(0, 0, ATA_CMD_FLUSH) < 0 || ata_wait(0) < 0))
        return -1;
    return 0;
}
