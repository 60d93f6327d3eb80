package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Random bursts of writes and reads against a queue model: same order, lengths and bytes. */
class SpscRingPropertyTest {
    @Property(tries = 300)
    void ringBehavesAsABoundedQueue(@ForAll @Size(min = 1, max = 60) List<@IntRange(min = -8, max = 8) Integer> steps,
                                    @ForAll @IntRange(min = 1, max = 4) int slotsLog2) {
        int slots = 1 << slotsLog2;
        int slotSize = SpscRing.slotSizeFor(200);
        Arena arena = Arena.ofAuto();
        MemorySegment region = arena.allocate(SpscRing.regionBytes(slotSize, slots), 64);
        SpscRing producer = new SpscRing(region, slotSize, slots);
        producer.reset();
        SpscRing consumer = new SpscRing(region, slotSize, slots);
        MemorySegment buffer = arena.allocate(slotSize);
        ArrayDeque<Integer> model = new ArrayDeque<>();
        int next = 0;
        for (int step : steps) {
            if (step > 0) {
                // A burst of writes: as many as fit.
                int n = Math.min(step, producer.freeSlots(step));
                assertEquals(Math.min(step, slots - model.size()), n);
                for (int i = 0; i < n; i++) {
                    int length = 1 + (next * 37) % 200;
                    buffer.fill((byte) next);
                    producer.write(i, buffer, 0, length);
                    model.add(next++);
                }
                producer.publish(n);
            } else {
                // A burst of reads.
                int n = Math.min(-step, consumer.available());
                assertEquals(Math.min(-step, model.size()), n);
                for (int i = 0; i < n; i++) {
                    int tag = model.poll();
                    int length = consumer.length(i);
                    assertEquals(1 + (tag * 37) % 200, length);
                    consumer.read(i, buffer, 0, length);
                    assertEquals((byte) tag, buffer.get(ValueLayout.JAVA_BYTE, length - 1));
                }
                consumer.consume(n);
            }
        }
    }
}
