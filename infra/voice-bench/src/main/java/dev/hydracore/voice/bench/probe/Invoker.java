package dev.hydracore.voice.bench.probe;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Calls a Lambda handler the way the java25 runtime does, with nothing but the JDK and the
 * function's own package on the classpath: the handler class is built with its no-arg
 * constructor; a stream handler gets the event bytes; a typed handler gets the event converted
 * with the Jackson in the function's package (found reflectively: this class depends on nothing).
 */
public final class Invoker {
    private final Object handler;
    private final Method method;
    private final boolean stream;
    private final Object context;
    private final Object mapper;

    private Invoker(Object handler, Method method, boolean stream, Object context, Object mapper) {
        this.handler = handler;
        this.method = method;
        this.stream = stream;
        this.context = context;
        this.mapper = mapper;
    }

    /** {@code handler} is template.yaml's Handler: {@code package.Class::method} or just the class. */
    public static Invoker create(String handler) throws Exception {
        int sep = handler.indexOf("::");
        String className = sep < 0 ? handler : handler.substring(0, sep);
        String methodName = sep < 0 ? "handleRequest" : handler.substring(sep + 2);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Class<?> type = Class.forName(className, true, loader);
        Object instance = type.getDeclaredConstructor().newInstance();
        Class<?> contextType = Class.forName("com.amazonaws.services.lambda.runtime.Context", false, loader);
        Object context =
                Proxy.newProxyInstance(loader, new Class<?>[] {contextType}, (proxy, m, args) -> switch (m.getName()) {
                    case "getAwsRequestId" -> "bench-request";
                    case "getFunctionName" -> className;
                    case "getRemainingTimeInMillis" -> 15_000;
                    case "getMemoryLimitInMB" -> 1024;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "BenchContext";
                    default -> null;
                });
        Method chosen = null;
        boolean stream = false;
        for (Method m : type.getMethods()) {
            if (!m.getName().equals(methodName) || m.isBridge()) {
                continue;
            }
            Class<?>[] p = m.getParameterTypes();
            if (p.length == 3 && p[0] == InputStream.class && p[1] == OutputStream.class) {
                chosen = m;
                stream = true;
                break;
            }
            if (p.length == 2 || p.length == 1) {
                chosen = m;
            }
        }
        if (chosen == null) {
            throw new NoSuchMethodException(className + "::" + methodName);
        }
        Object mapper = null;
        if (!stream) {
            mapper = Class.forName("com.fasterxml.jackson.databind.ObjectMapper", true, loader)
                    .getDeclaredConstructor()
                    .newInstance();
        }
        return new Invoker(instance, chosen, stream, context, mapper);
    }

    /** One invocation: the event's bytes in, the response's bytes out. */
    public byte[] invoke(byte[] event) throws Throwable {
        try {
            if (stream) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
                method.invoke(handler, new ByteArrayInputStream(event), out, context);
                return out.toByteArray();
            }
            Class<?> in = method.getParameterTypes()[0];
            Object input = mapper.getClass()
                    .getMethod("readValue", byte[].class, Class.class)
                    .invoke(mapper, event, in);
            Object result = method.getParameterCount() == 2
                    ? method.invoke(handler, input, context)
                    : method.invoke(handler, input);
            return (byte[]) mapper.getClass()
                    .getMethod("writeValueAsBytes", Object.class)
                    .invoke(mapper, result);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The response on one line (JSON escapes newlines inside strings; only layout ones remain). */
    public static String oneLine(byte[] response) {
        return new String(response, java.nio.charset.StandardCharsets.UTF_8)
                .replace('\n', ' ')
                .replace('\r', ' ');
    }
}
