package io.bypass.stack.sim;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a byte stream as it passes, or nothing when turned off (the property tests' default). */
final class StreamDigest {
    private final MessageDigest digest;

    StreamDigest(boolean enabled) {
        try {
            this.digest = enabled ? MessageDigest.getInstance("SHA-256") : null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Adds the bytes from the buffer's position to its limit, leaving the buffer as it was. */
    void update(ByteBuffer bytes) {
        if (digest != null) {
            digest.update(bytes.duplicate());
        }
    }

    /** @return the digest in hex, or an empty string when turned off */
    String hex() {
        return digest == null ? "" : HexFormat.of().formatHex(digest.digest());
    }
}
