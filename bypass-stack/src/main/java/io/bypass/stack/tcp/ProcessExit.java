package io.bypass.stack.tcp;

/**
 * What the kernel does for the TCP sockets of a process that exits, done by a user-space
 * stack before its process is gone. The kernel closes every descriptor of the exiting
 * process (a listener stops listening; a connection sends FIN after its queued data, or RST
 * when received data is left unread, RFC 2525 section 2.17) and then keeps each connection
 * going on its own until the peer has acknowledged the data and the FIN: an application that
 * writes its last reply and exits loses nothing. A stack in the process cannot outlive it, so
 * its owner calls {@link #closeAll}, keeps polling while {@link #undelivered} says data or a
 * FIN is still unacknowledged (for as long as it chooses to linger), and finally
 * {@link #abortUndelivered}, so that no peer waits for a retransmission that will never come.
 * Caller serialises use with the stack (the stack lock).
 */
public final class ProcessExit {
    private ProcessExit() {
    }

    /**
     * Closes every listener (connections not yet accepted are reset) and every connection
     * (gracefully, or reset when it holds unread data), as closing the descriptors does.
     *
     * @param tcp the stack's TCP layer
     * @param nowNs the current time
     */
    public static void closeAll(TcpLayer tcp, long nowNs) {
        for (TcpListener l : tcp.listenersNow()) {
            l.close(nowNs);
        }
        for (TcpConnection c : tcp.connectionsNow()) {
            c.close(nowNs);
        }
    }

    /**
     * @param tcp the stack's TCP layer
     * @return connections whose data or FIN the peer has not acknowledged yet (FIN-WAIT-2 and
     *         TIME-WAIT are done from our side: the peer has everything we sent)
     */
    public static int undelivered(TcpLayer tcp) {
        int n = 0;
        for (TcpConnection c : tcp.connectionsNow()) {
            if (undelivered(c.state())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Resets every connection whose data or FIN is still unacknowledged: the process is going,
     * and a reset tells the peer so at once rather than after its retransmissions time out.
     *
     * @param tcp the stack's TCP layer
     * @param nowNs the current time
     * @return how many were reset
     */
    public static int abortUndelivered(TcpLayer tcp, long nowNs) {
        int n = 0;
        for (TcpConnection c : tcp.connectionsNow()) {
            if (undelivered(c.state())) {
                c.abort(nowNs);
                n++;
            }
        }
        return n;
    }

    private static boolean undelivered(TcpState s) {
        return s != TcpState.FIN_WAIT_2 && s != TcpState.CLOSED && s != TcpState.LISTEN;
    }
}
