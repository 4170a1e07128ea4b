package io.viewkeeper.server.migrate;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;

/**
 * Runs an iterator on a thread of its own and hands its elements to the caller's thread in batches through a
 * bounded queue, so that making the elements and consuming them use two cores. The order is the source's; a
 * failure of the source is thrown to the caller at the point where it happened. Invariant: at most
 * {@code batchesMax} batches wait between the two threads.
 */
final class Prefetcher<T> implements Iterator<T>, AutoCloseable {
    /** A run of elements; the last one carries the source's failure, if any, or ends the stream. */
    private record Batch<T>(List<T> items, RuntimeException failure, boolean last) {
    }

    private final BlockingQueue<Batch<T>> queue;
    private final Thread producer;
    private Batch<T> current;
    private int index;

    private Prefetcher(Supplier<Iterator<T>> source, String name, int batchSize, int batchesMax) {
        if (batchSize < 1 || batchesMax < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + " and queue " + batchesMax);
        }
        this.queue = new ArrayBlockingQueue<>(batchesMax);
        this.producer = new Thread(() -> produce(source, batchSize), name);
        producer.setDaemon(true);
    }

    /** Starts taking elements from {@code source}, made on the new thread, {@code batchSize} at a time. */
    static <T> Prefetcher<T> start(Supplier<Iterator<T>> source, String name, int batchSize, int batchesMax) {
        Prefetcher<T> prefetcher = new Prefetcher<>(source, name, batchSize, batchesMax);
        prefetcher.producer.start();
        return prefetcher;
    }

    /**
     * The producer's root: a failure of the source goes to the consumer, after the elements made before it, rather
     * than being lost here.
     */
    private void produce(Supplier<Iterator<T>> source, int batchSize) {
        List<T> items = new ArrayList<>(batchSize);
        try {
            Iterator<T> elements = source.get();
            while (elements.hasNext()) {
                items.add(elements.next());
                if (items.size() == batchSize) {
                    queue.put(new Batch<>(items, null, false));
                    items = new ArrayList<>(batchSize);
                }
            }
            queue.put(new Batch<>(items, null, true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the consumer closed it: nobody takes what is left
        } catch (RuntimeException e) {
            offerFailure(items, e);
        } catch (Error e) {
            offerFailure(items, new IllegalStateException("the source of " + producer.getName() + " failed: " + e, e));
            throw e;
        }
    }

    private void offerFailure(List<T> madeBefore, RuntimeException failure) {
        try {
            queue.put(new Batch<>(madeBefore, failure, true));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean hasNext() {
        while (current == null || (index == current.items().size() && !current.last())) {
            try {
                current = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + producer.getName(), e);
            }
            index = 0;
        }
        if (index < current.items().size()) {
            return true;
        }
        if (current.failure() != null) {
            throw current.failure();
        }
        return false;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.items().get(index++);
    }

    /** Stops the producer if it is still running and waits for it. */
    @Override
    public void close() {
        producer.interrupt();
        try {
            producer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
