package io.bypass.provider;

import io.bypass.stack.tcp.TcpError;
import io.bypass.stack.tcp.TcpException;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;

/** Maps the stack's errors to the java.net exceptions the JDK throws for the same errno. */
final class Errors {
    private Errors() {
    }

    /** @return the exception for a failed connection, as read/write would throw it */
    static IOException of(TcpError error) {
        return switch (error) {
            case RESET -> new SocketException("Connection reset");
            case REFUSED -> new ConnectException("Connection refused");
            case TIMED_OUT -> new SocketException("Connection timed out");
            case UNREACHABLE -> new NoRouteToHostException("No route to host");
            case NONE -> new SocketException("Broken pipe");
        };
    }

    /** @return the exception for a failed connect */
    static IOException connect(TcpError error) {
        return switch (error) {
            case TIMED_OUT -> new ConnectException("Connection timed out");
            case RESET, REFUSED, NONE -> new ConnectException("Connection refused");
            case UNREACHABLE -> new NoRouteToHostException("No route to host");
        };
    }

    /** @return the exception for a refused listen or connect call */
    static IOException of(TcpException e) {
        return switch (e.reason()) {
            case ADDRESS_IN_USE -> new BindException("Address already in use");
            case NO_EPHEMERAL_PORT -> new BindException("Cannot assign requested address");
            case CONNECTION_LIMIT -> new SocketException("Too many connections: " + e.getMessage());
        };
    }
}
