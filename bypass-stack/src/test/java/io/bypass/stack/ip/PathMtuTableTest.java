package io.bypass.stack.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The open-addressing path MTU map agrees with a plain map under random puts, gets and expiries. */
class PathMtuTableTest {
    @Property(tries = 200)
    void behavesLikeABoundedMapThatEvictsTheSoonestToExpire(@ForAll @IntRange(min = 1, max = 40) int maxEntries,
                                                            @ForAll long seed) {
        Random random = new Random(seed);
        PathMtuTable table = new PathMtuTable(maxEntries);
        Map<Integer, long[]> model = new HashMap<>();
        long nowNs = 0;
        for (int step = 0; step < 2000; step++) {
            // Few distinct addresses, some of one subnet, so that probe chains collide and wrap.
            int destination = random.nextBoolean() ? 0x0a000000 + random.nextInt(64) : random.nextInt(1 << 20) + 1;
            int op = random.nextInt(10);
            if (op < 5) {
                long expiryNs = nowNs + 1 + random.nextInt(1000);
                int mtu = 68 + random.nextInt(1400);
                if (!model.containsKey(destination) && model.size() == maxEntries) {
                    Integer soonest = null;
                    for (Map.Entry<Integer, long[]> e : model.entrySet()) {
                        if (soonest == null || e.getValue()[1] < model.get(soonest)[1]) {
                            soonest = e.getKey();
                        }
                    }
                    model.remove(soonest);
                }
                // Distinct expiries make "soonest" unambiguous.
                expiryNs = expiryNs * 4096 + step;
                table.put(destination, mtu, expiryNs);
                model.put(destination, new long[] {mtu, expiryNs});
            } else if (op < 9) {
                long[] expected = model.get(destination);
                assertEquals(expected == null ? 0 : (int) expected[0], table.get(destination));
            } else {
                nowNs += random.nextInt(300);
                long at = nowNs * 4096;
                int expected = (int) model.values().stream().filter(v -> v[1] <= at).count();
                model.values().removeIf(v -> v[1] <= at);
                assertEquals(expected, table.expire(at));
            }
            assertEquals(model.size(), table.size());
        }
        for (Map.Entry<Integer, long[]> e : model.entrySet()) {
            assertEquals((int) e.getValue()[0], table.get(e.getKey()));
        }
    }
}
