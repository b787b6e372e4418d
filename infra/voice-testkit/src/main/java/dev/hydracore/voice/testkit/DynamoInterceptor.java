package dev.hydracore.voice.testkit;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Fault injection for emulator tests: a real DynamoDB client (talking to the emulator) whose calls
 * pass through a test's hook, so a test can make one operation fail, return a partial result, or
 * let a concurrent writer in just before it. Every call still reaches the emulator unless the hook
 * decides otherwise; nothing is answered from a script.
 */
public final class DynamoInterceptor {
    private DynamoInterceptor() {}

    public static DynamoDbClient wrap(DynamoDbClient real, Around around) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (args != null && args.length == 1 && args[0] instanceof Consumer<?>) {
                // The SDK's consumer-builder overloads build the request and call the typed method:
                // run them on the proxy so the typed call comes back through the hook.
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            Callable<Object> proceed = () -> {
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
                }
            };
            if (args == null || args.length != 1) {
                return proceed.call();
            }
            return around.call(method.getName(), args[0], proceed);
        };
        return (DynamoDbClient) Proxy.newProxyInstance(
                DynamoDbClient.class.getClassLoader(), new Class<?>[] {DynamoDbClient.class}, handler);
    }

    /** Sees each operation (by name, e.g. "updateItem") with its request, and decides what happens. */
    @FunctionalInterface
    public interface Around {
        Object call(String operation, Object request, Callable<Object> proceed) throws Exception;
    }
}
