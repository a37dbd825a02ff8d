/*
 * disk.h: the guest's disk pattern on the primary master IDE disk.
 *
 * disk_probe() finds the disk and how to reach it: bus-master DMA through
 * the PCI IDE controller when it has one (QEMU's PIIX does), else 32-bit
 * PIO.  disk_pass() then writes the pattern over the region, or reads the
 * region back, and returns the CRC32 (zlib's) of what went by.  The pattern
 * is a pure function of (seed, sector, word), so a test can recompute it.
 */
#ifndef LAB_GUEST_DISK_H
#define LAB_GUEST_DISK_H

#include <stdint.h>

struct disk {
    uint32_t sectors;           /* of the region, 512 bytes each */
    uint32_t seed;
    uint16_t bmdma;             /* bus-master I/O base, 0 = PIO */
};

/*
 * Look for an ATA disk at the primary master and size the region to
 * mib MiB (or the whole disk if smaller); use DMA if allow_dma and the
 * controller can.  Returns the region's sectors, 0 when there is no disk.
 */
uint32_t disk_probe(struct disk *d, uint32_t mib, uint32_t seed,
                    int allow_dma);

/* Write the pattern (write=1) or read the region back; 0 or -1. */
int disk_pass(struct disk *d, int write, uint32_t *crc);

#endif /* LAB_GUEST_DISK_H */
