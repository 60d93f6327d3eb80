package io.bypass.stack.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArpCacheTest {
    @Test
    void backwardShiftDeletionKeepsEveryOtherEntryFindable() {
        ArpCache cache = new ArpCache(64, 1, 1);
        Random random = new Random(42);
        Set<Integer> present = new HashSet<>();
        for (int round = 0; round < 20_000; round++) {
            int ip = 0x0a000000 | random.nextInt(200);
            int slot = cache.find(ip);
            if (slot >= 0) {
                cache.remove(slot);
                present.remove(ip);
            } else if (present.size() < 64) {
                assertTrue(cache.insert(ip, ArpCache.INCOMPLETE) >= 0);
                present.add(ip);
            }
            assertEquals(present.size(), cache.size());
        }
        for (int i = 0; i < 200; i++) {
            int ip = 0x0a000000 | i;
            assertEquals(present.contains(ip), cache.find(ip) >= 0, "entry " + i);
        }
    }
}
