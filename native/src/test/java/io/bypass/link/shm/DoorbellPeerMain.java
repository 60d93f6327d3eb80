package io.bypass.link.shm;

import io.bypass.stack.buffer.Frame;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link ShmDoorbellTest}: attaches to the link file as side 1 and sends
 * back every frame it receives, sleeping in {@link ShmLink#awaitFrames} in between, for as
 * many frames as it is told, then exits 0.
 */
public final class DoorbellPeerMain {
    private DoorbellPeerMain() {
    }

    /**
     * @param args the link file and how many frames to echo
     * @throws Exception on any failure (the parent test sees the exit code)
     */
    public static void main(String[] args) throws Exception {
        int frames = Integer.parseInt(args[1]);
        try (ShmLink link = ShmLink.open(Path.of(args[0]), ShmHost.config(), 1)) {
            System.out.println("attached side " + link.side());
            System.out.flush();
            Frame[] burst = new Frame[1];
            for (int echoed = 0; echoed < frames; ) {
                // Longer than the parent test may run: only the parent's transmit ends the sleep.
                link.awaitFrames(TimeUnit.MINUTES.toNanos(5));
                if (link.receive(burst, 1) == 1) {
                    Frame reply = link.allocate();
                    reply.memory().copyFrom(burst[0].memory().asSlice(burst[0].offset(), burst[0].length()));
                    reply.window(0, burst[0].length());
                    burst[0].release();
                    burst[0] = reply;
                    link.transmit(burst, 1);
                    echoed++;
                }
            }
        }
    }
}
