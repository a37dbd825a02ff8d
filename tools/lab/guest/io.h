/*
 * io.h: x86 port I/O and the time stamp counter, for the lab's guest.
 *
 * Every access has a "memory" clobber: a DMA descriptor written just before
 * the outl that starts the engine must really be in memory by then.
 */
#ifndef LAB_GUEST_IO_H
#define LAB_GUEST_IO_H

#include <stdint.h>

static inline void
outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t
inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

static inline void
outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint32_t
inl(uint16_t port)
{
    uint32_t v;

    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

static inline void
insw(uint16_t port, void *buf, uint32_t words)
{
    __asm__ volatile("cld; rep insw"
                     : "+D"(buf), "+c"(words) : "d"(port) : "memory");
}

static inline void
insl(uint16_t port, void *buf, uint32_t dwords)
{
    __asm__ volatile("cld; rep insl"
                     : "+D"(buf), "+c"(dwords) : "d"(port) : "memory");
}

static inline void
outsl(uint16_t port, const void *buf, uint32_t dwords)
{
    __asm__ volatile("cld; rep outsl"
                     : "+S"(buf), "+c"(dwords) : "d"(port) : "memory");
}

static inline uint64_t
rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

#endif /* LAB_GUEST_IO_H */
