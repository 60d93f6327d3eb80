package io.bypass.provider;

import static io.bypass.provider.StackEngine.LINK_LOOK_WATCHED_NS;
import static io.bypass.provider.StackEngine.LINK_POLL_MAX_NS;
import static io.bypass.provider.StackEngine.LINK_POLL_MIN_NS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The helper's waits between looks at a device without a doorbell, look by look. */
class LinkPollBackoffTest {
    @Test
    void idleLooksDoubleTheWaitUpToItsBound() {
        LinkPollBackoff b = new LinkPollBackoff();
        long expected = 2 * LINK_POLL_MIN_NS;
        for (int look = 0; look < 20; look++) {
            assertEquals(Math.min(expected, LINK_POLL_MAX_NS), b.afterLook(false, false, false, false), "look " + look);
            expected *= 2;
        }
    }

    @Test
    void whileOthersAreActiveTheWaitGrowsToTheWatchedBound() {
        LinkPollBackoff b = new LinkPollBackoff();
        long last = 0;
        for (int look = 0; look < 20; look++) {
            last = b.afterLook(false, true, true, false);
        }
        assertEquals(LINK_LOOK_WATCHED_NS, last);
    }

    @Test
    void aParkedThreadStartsTheBackoffAgain() {
        LinkPollBackoff b = new LinkPollBackoff();
        for (int look = 0; look < 20; look++) {
            b.afterLook(false, false, false, false);
        }
        assertEquals(LINK_POLL_MIN_NS, b.afterLook(false, false, false, true), "the next look within the minimum");
        assertEquals(2 * LINK_POLL_MIN_NS, b.afterLook(false, false, false, false), "then doubling again");
    }

    @Test
    void framesFoundBringTheNextLookAtOnceUnlessOthersTakeThem() {
        LinkPollBackoff b = new LinkPollBackoff();
        for (int look = 0; look < 20; look++) {
            b.afterLook(false, false, false, false);
        }
        assertEquals(0, b.afterLook(true, false, false, false));
        assertEquals(LINK_POLL_MIN_NS, b.afterLook(true, true, false, false));
    }
}
