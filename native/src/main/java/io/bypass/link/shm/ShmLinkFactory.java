package io.bypass.link.shm;

import io.bypass.stack.link.Link;
import io.bypass.stack.link.LinkFactory;
import io.bypass.stack.link.LinkSettings;
import io.bypass.stack.link.LinkSpec;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens {@code shm:<path>[?side=0|1][&mtu=N][&slots=N][&frames=N][&peertimeoutms=N]}: the
 * shared-memory link file at {@code path} (under {@code /dev/shm} it never touches a disk),
 * created by whichever process comes first and attached to by the other.
 *
 * <ul>
 *   <li>{@code side}: which end this process is; by default whichever is free. Name it when a
 *       restarted process must take back its own end rather than any free one.</li>
 *   <li>{@code mtu}: by default the largest, {@value ShmLinkConfig#MAX_MTU} (64 KiB slots): on
 *       a link that copies memory, a segment costs about the same whatever its size, so the
 *       fewer segments the better (measured: 4x the bulk rate of MTU 9000 between two JVMs).</li>
 *   <li>{@code slots}: ring slots per direction, a power of two; by default 256 at an MTU over
 *       9000 (16 MiB per direction, four times a 4 MiB TCP window), else 1024.</li>
 *   <li>{@code frames}: this end's receive and transmit pools; by default twice the slots.</li>
 *   <li>{@code peertimeoutms}: how stale the peer's heartbeat may grow before its pid is checked (500).</li>
 * </ul>
 *
 * Both ends must ask for the same mtu and slots; a mismatch is refused naming the field.
 */
public final class ShmLinkFactory implements LinkFactory {
    /** ServiceLoader's constructor. */
    public ShmLinkFactory() {
    }

    @Override
    public String scheme() {
        return "shm";
    }

    @Override
    public String usage() {
        return "shm:<path>[?side=0|1][&mtu=N][&slots=N][&frames=N][&peertimeoutms=N]";
    }

    @Override
    public Link open(LinkSpec spec, LinkSettings settings) throws IOException {
        Path path = pathOf(spec);
        int side = sideOf(spec);
        return ShmLink.open(path, configOf(spec, settings), side);
    }

    /** @return the link file named by the spec */
    static Path pathOf(LinkSpec spec) {
        return Path.of(spec.target("the link file's path, e.g. shm:/dev/shm/bypass-ab"));
    }

    /** @return the side the spec asks for, or {@link ShmLink#ANY_SIDE} */
    static int sideOf(LinkSpec spec) {
        String side = spec.choice("side", "any", "0", "1", "any");
        return side.equals("any") ? ShmLink.ANY_SIDE : Integer.parseInt(side);
    }

    /** @return the shape and pools the spec and settings ask for; rejects unknown parameters, so read the side first */
    static ShmLinkConfig configOf(LinkSpec spec, LinkSettings settings) {
        int mtu = (int) spec.integer("mtu", Math.min(settings.mtuOr(ShmLinkConfig.MAX_MTU), ShmLinkConfig.MAX_MTU), 68,
                ShmLinkConfig.MAX_MTU);
        int slots = (int) spec.integer("slots", mtu > 9000 ? 256 : 1024, 2, 1 << 16);
        if (Integer.bitCount(slots) != 1) {
            throw spec.error("slots=" + slots + " must be a power of two");
        }
        int frames = (int) spec.integer("frames", settings.poolFramesOr(2 * slots), 1, 1 << 20);
        long timeoutMs = spec.integer("peertimeoutms", 500, 1, 3_600_000);
        spec.rejectUnknown();
        return new ShmLinkConfig(mtu, slots, frames, timeoutMs * 1_000_000L);
    }
}
