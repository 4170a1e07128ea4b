package io.viewkeeper.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A programmer error on an admin worker is not logged and forgotten: it goes to the replica thread, where a task
 * that throws stops the node (FailStopTest shows that part), or ends the worker when that thread takes no tasks.
 */
class StopOnTest {
    private static NodeAccess node(boolean accepts, AtomicReference<Runnable> offered) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("offer")) {
                offered.set((Runnable) args[0]);
                return accepts;
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new AssertionError("unexpected call to " + method.getName());
        };
        return (NodeAccess) Proxy.newProxyInstance(NodeAccess.class.getClassLoader(),
                new Class<?>[] {NodeAccess.class}, handler);
    }

    @Test
    void shouldHandTheErrorToTheReplicaThreadAsATaskThatThrows() {
        AtomicReference<Runnable> offered = new AtomicReference<>();
        IllegalStateException bug = new IllegalStateException("converting failed");
        node(true, offered).stopOn("admin: restore", bug);
        assertThatThrownBy(() -> offered.get().run()).isInstanceOf(IllegalStateException.class)
                .hasMessage("admin: restore").hasCause(bug);
    }

    @Test
    void shouldThrowOnTheWorkerWhenTheReplicaThreadTakesNoTasks() {
        AtomicReference<Runnable> offered = new AtomicReference<>();
        Error bug = new AssertionError("planted");
        assertThatThrownBy(() -> node(false, offered).stopOn("admin: snapshot", bug))
                .isInstanceOf(IllegalStateException.class).hasCause(bug);
        assertThat(offered.get()).isNotNull();
    }
}
