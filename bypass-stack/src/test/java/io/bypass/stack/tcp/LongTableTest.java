package io.bypass.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongTableTest {
    @Test
    void behavesLikeAMapUnderRandomPutsAndRemoves() {
        // Backward-shift deletion must keep every probe run intact.
        LongTable<Long> table = new LongTable<>(16);
        Map<Long, Long> model = new HashMap<>();
        Random random = new Random(1);
        for (int i = 0; i < 200_000; i++) {
            long key = random.nextInt(3000);
            if (random.nextBoolean()) {
                assertEquals(model.put(key, (long) i), table.put(key, (long) i));
            } else {
                assertEquals(model.remove(key), table.remove(key));
            }
            assertEquals(model.size(), table.size());
        }
        for (long key = 0; key < 3000; key++) {
            assertEquals(model.get(key), table.get(key));
        }
    }
}
