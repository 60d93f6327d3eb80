package io.bypass.link.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** A producer view and a consumer view of one ring, in one thread. */
class SpscRingTest {
    private static final int SLOT = SpscRing.slotSizeFor(100);
    private final MemorySegment region = Arena.ofAuto().allocate(SpscRing.regionBytes(SLOT, 4), 64);
    private final SpscRing producer = new SpscRing(region, SLOT, 4);
    private final SpscRing consumer = new SpscRing(region, SLOT, 4);
    private final MemorySegment buffer = Arena.ofAuto().allocate(SLOT);

    {
        producer.reset();
    }

    @Test
    void emptyRingHasNothingToRead() {
        assertEquals(0, consumer.available());
        assertEquals(4, producer.freeSlots(1));
    }

    @Test
    void writtenSlotsAreInvisibleUntilPublished() {
        send(0, 7, 1);
        assertEquals(0, consumer.available());
        producer.publish(1);
        assertEquals(1, consumer.available());
        assertEquals(7, receive(0));
    }

    @Test
    void fullRingRefusesUntilTheConsumerFreesSlots() {
        for (int i = 0; i < 4; i++) {
            send(i, i + 1, 20);
        }
        producer.publish(4);
        assertEquals(0, producer.freeSlots(1));
        assertEquals(4, consumer.available());
        assertEquals(1, receive(0));
        consumer.consume(1);
        assertEquals(1, producer.freeSlots(1));
    }

    @Test
    void framesArriveInOrderAcrossWrapAround() {
        int next = 0;
        int expected = 0;
        for (int round = 0; round < 10; round++) {
            int burst = 1 + round % 4;
            assertTrue(producer.freeSlots(burst) >= burst);
            for (int i = 0; i < burst; i++) {
                send(i, next++, 1 + i * 30);
            }
            producer.publish(burst);
            int ready = consumer.available();
            assertEquals(burst, ready);
            for (int i = 0; i < ready; i++) {
                assertEquals(expected++, receive(i));
                assertEquals(1 + i * 30, consumer.length(i));
            }
            consumer.consume(ready);
        }
    }

    @Test
    void discardAllDropsEveryPublishedSlot() {
        send(0, 1, 10);
        send(1, 2, 10);
        producer.publish(2);
        assertEquals(2, consumer.discardAll());
        assertEquals(0, consumer.available());
        assertEquals(4, producer.freeSlots(4));
    }

    @Test
    void preparingASlotPublishesNothingAndStaysInsideTheSlot() {
        for (int i = 0; i < 4; i++) {
            producer.prepareWrite(i, 65_000);
        }
        assertEquals(0, consumer.available());
        send(0, 5, 100);
        producer.publish(1);
        assertEquals(1, consumer.available());
        assertEquals(100, consumer.length(0));
        assertEquals(5, receive(0));
    }

    @Test
    void preparingASlotTheConsumerHoldsLeavesItsBytes() {
        for (int i = 0; i < 4; i++) {
            buffer.fill((byte) (i + 1));
            producer.write(i, buffer, 0, 100);
        }
        producer.publish(4);
        int held = consumer.slotOf(0);
        consumer.hold(held);
        consumer.consume(4);
        // The tail has come round to the held slot: it is the producer's next.
        assertEquals(held, producer.slotAfterTail(0));
        producer.prepareWrite(0, 100);
        MemorySegment bytes = consumer.slotData(held);
        for (int i = 0; i < 100; i++) {
            assertEquals(1, bytes.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
        }
        assertTrue(producer.held(0));
    }

    /** Writes a frame of {@code length} bytes whose first byte is {@code tag} into free slot {@code i}. */
    private void send(int i, int tag, int length) {
        buffer.set(ValueLayout.JAVA_BYTE, 0, (byte) tag);
        producer.write(i, buffer, 0, length);
    }

    /** @return the tag of full slot {@code i} */
    private int receive(int i) {
        consumer.read(i, buffer, 0, consumer.length(i));
        return buffer.get(ValueLayout.JAVA_BYTE, 0);
    }
}
