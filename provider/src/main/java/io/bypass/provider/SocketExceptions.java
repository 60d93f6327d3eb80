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
 * JDK's messages ({@code sun.nio.ch.Net.translateException}), for the adaptors.
 */
final class SocketExceptions {
    private SocketExceptions() {
    }

    /** @return what a socket throws for {@code x}: "Socket is closed" for a closed channel, else x itself */
    static IOException translate(IOException x) {
        if (!(x instanceof ClosedChannelException)) {
            return x;
        }
        SocketException s = new SocketException("Socket is closed");
        s.initCause(x);
        return s;
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

    /** @return {@code x} as a SocketException, for the option accessors that may only throw that */
    static SocketException socket(IOException x) {
        IOException t = translate(x);
        if (t instanceof SocketException s) {
            return s;
        }
        SocketException s = new SocketException(t.getMessage());
        s.initCause(t);
        return s;
    }
}
