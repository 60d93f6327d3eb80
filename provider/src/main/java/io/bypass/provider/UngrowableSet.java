package io.bypass.provider;

import java.util.AbstractSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The selected-key set as java.nio specifies it: the application may remove keys but not
 * add them (the JDK's {@code sun.nio.ch.Util.ungrowableSet}).
 */
final class UngrowableSet<E> extends AbstractSet<E> {
    private final Set<E> set = new HashSet<>();

    @Override
    public boolean add(E e) {
        throw new UnsupportedOperationException("keys are added by the selector only");
    }

    boolean addInternal(E e) {
        return set.add(e);
    }

    @Override
    public boolean contains(Object o) {
        return set.contains(o);
    }

    @Override
    public boolean remove(Object o) {
        return set.remove(o);
    }

    @Override
    public void clear() {
        set.clear();
    }

    @Override
    public Iterator<E> iterator() {
        return set.iterator();
    }

    @Override
    public int size() {
        return set.size();
    }
}
