package io.bypass.provider;

/**
 * Who woke the waiters of a link engine, as counted so far or over a stretch of a test: the
 * blocked application threads' doorbell sleeps, and the helper's polls that took frames (a
 * frame a sleeper should have taken itself).
 *
 * @param bellSleeps  {@link StackEngine#waitBellSleeps}
 * @param helperPolls {@link StackEngine#helperPollsWithWork}
 */
record Wakes(long bellSleeps, long helperPolls) {
    /** @return {@code e}'s counts now */
    static Wakes of(StackEngine e) {
        return new Wakes(e.waitBellSleeps(), e.helperPollsWithWork());
    }

    /** @return {@code e}'s counts since this snapshot of it */
    Wakes since(StackEngine e) {
        Wakes now = of(e);
        return new Wakes(now.bellSleeps - bellSleeps, now.helperPolls - helperPolls);
    }
}
