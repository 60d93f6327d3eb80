package io.bypass.link.shm;

/** What a shared-memory link knows of the process at the other end. */
public enum PeerState {
    /** No process holds the other end (not attached yet, or it closed its end). */
    WAITING,
    /** The other end is held by a live process. */
    UP,
    /** The process holding the other end has died without closing it; frames sent are dropped. */
    DEAD
}
