package io.bypass.provider;

import java.io.IOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * Turns channel exceptions into the {@code java.net} ones a {@code Socket} throws, with the
 * JDK's messages, for the adaptors. As {@code sun.nio.ch.Net.translateException} does, an
 * {@code IOException} of the channel (closed, asynchronously closed, timed out, reset)
 * passes through unchanged except from option accessors, which may only throw
 * {@code SocketException}.
 */
final class SocketExceptions {
    private SocketExceptions() {
    }

    /** @return what a socket throws for a channel's unchecked exception */
    static IOException translate(RuntimeException x) {
        String message;
        if (x instanceof NotYetConnectedException) {
            message = "Socket is not connected";
        } else if (x instanceof AlreadyBoundException) {
            message = "Already bound";
        } else if (x instanceof AlreadyConnectedException) {
            message = "Already connected";
        } else if (x instanceof NotYetBoundException) {
            message = "Socket is not bound yet";
        } else if (x instanceof UnsupportedAddressTypeException) {
            message = "Unsupported address type";
        } else if (x instanceof UnresolvedAddressException) {
            return new UnknownHostException("Unresolved address");
        } else {
            throw x;
        }
        SocketException s = new SocketException(message);
        s.initCause(x);
        return s;
    }

    /**
     * @return {@code x} as the SocketException an option accessor throws
     *         ({@code sun.nio.ch.Net.translateToSocketException})
     */
    static SocketException socket(IOException x) {
        if (x instanceof SocketException s) {
            return s;
        }
        SocketException s = new SocketException(x instanceof ClosedChannelException ? "Socket is closed" : x.getMessage());
        s.initCause(x);
        return s;
    }
}
