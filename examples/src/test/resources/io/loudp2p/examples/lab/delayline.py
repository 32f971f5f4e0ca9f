#!/usr/bin/env python3
"""A delay line on a TUN device, for the test lab's links (Linux has no netem here).

The lab's router sends every packet of a host's link through this host's TUN device; this program
reads each packet from the device, holds it for the one-way delay, drops it with the given
probability (a seeded generator, so a run can be repeated), and writes it back into the device,
from where the router forwards it on. Packets leave in the order they came (a FIFO of equal
delays). Python's standard library only.

Prints "ready" once the device exists. A line "set DELAY_MS LOSS" on its standard input changes
the delay and loss of the packets that come from then on (a host that moved to another kind of
link), answered by "set" on standard output. A line "capture FILE" makes it append every packet
it reads from then on to FILE, before any delay or loss, each as a 4-byte big-endian length and the
packet's bytes (IP header first), flushed as it goes; "capture off" stops that; both are answered
by "capture". Ends when its standard input closes, printing "packets N dropped M" on standard
error.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dev", required=True, help="name of the TUN device to make")
    p.add_argument("--delay-ms", type=float, required=True, help="delay of every packet")
    p.add_argument("--loss", type=float, default=0.0, help="share of packets dropped, 0 to 1")
    p.add_argument("--seed", type=int, default=1, help="seed of the loss generator")
    a = p.parse_args()
    if not 0 <= a.loss < 1 or a.delay_ms < 0:
        sys.exit("delayline: --loss must be 0 to 1 and --delay-ms not negative")
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", a.dev.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    rnd = random.Random(a.seed)
    delay = a.delay_ms / 1000.0
    loss = a.loss
    held = []  # (due, sequence, packet)
    seq = 0
    dropped = 0
    capture = None
    print("ready", flush=True)
    stdin = sys.stdin.fileno()
    commands = b""
    while True:
        now = time.monotonic()
        timeout = max(0.0, held[0][0] - now) if held else None
        readable, _, _ = select.select([fd, stdin], [], [], timeout)
        if stdin in readable:
            more = os.read(stdin, 4096)
            if not more:
                break
            commands += more
            while b"\n" in commands:
                line, commands = commands.split(b"\n", 1)
                words = line.decode().split()
                if len(words) == 3 and words[0] == "set":
                    delay = float(words[1]) / 1000.0
                    loss = float(words[2])
                    print("set", flush=True)
                elif len(words) >= 2 and words[0] == "capture":
                    target = line.decode()[len("capture "):]
                    if capture:
                        capture.close()
                    capture = None if target == "off" else open(target, "ab")
                    print("capture", flush=True)
        now = time.monotonic()
        if fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                seq += 1
                if capture:
                    capture.write(struct.pack(">I", len(packet)) + packet)
                    capture.flush()
                if loss and rnd.random() < loss:
                    dropped += 1
                    continue
                heapq.heappush(held, (now + delay, seq, packet))
        while held and held[0][0] <= now:
            _, _, packet = heapq.heappop(held)
            try:
                os.write(fd, packet)
            except OSError:
                pass  # a packet the kernel refuses is lost, as on a real link
    print("packets %d dropped %d" % (seq, dropped), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
