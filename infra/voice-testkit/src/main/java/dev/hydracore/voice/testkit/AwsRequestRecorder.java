package dev.hydracore.voice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * Records every AWS request a function's own code makes in a test JVM, as IAM sees it: the action
 * (a transaction's items each as the action IAM checks for it), the resource by kind (table, index,
 * key, secret) and the condition keys that apply ({@code kms:EncryptionContext:<key>},
 * {@code kms:EncryptionContextKeys}). infra/iam_check.py evaluates them against each function's
 * role. Registered for every SDK client of a test JVM by the classpath resource
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}; it writes only where the
 * surefire configuration names a directory ({@code hydra.aws.requests}), so ./hydra local, whose
 * classpath also holds the test kit, records nothing.
 *
 * <p>A request is the function's when the nearest project frame on the calling thread's stack that
 * is not shared library code is a handler's (or there is none: the function's own background
 * threads); a test class or the test kit nearer to the SDK is the test's own setup, not recorded.
 */
public final class AwsRequestRecorder implements ExecutionInterceptor {
    private static final String PROJECT = "dev.hydracore.voice.";
    /** Set while a test drives another function's handler as set-up (threads it starts inherit it). */
    private static final InheritableThreadLocal<Boolean> FIXTURE = new InheritableThreadLocal<>();

    private static final Optional<Path> OUT = Optional.ofNullable(System.getProperty("hydra.aws.requests"))
            .map(dir -> Path.of(dir, ProcessHandle.current().pid() + ".jsonl"));

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (OUT.isEmpty() || Boolean.TRUE.equals(FIXTURE.get()) || !madeByFunctionCode()) {
            return;
        }
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> r : requests(service, operation, context.request())) {
            lines.add(json(r));
        }
        write(lines);
    }

    /**
     * Runs {@code work}, a test's set-up through another function's handler (the sweeper's clean-up
     * test sets up and tears down a channel first), unrecorded, the threads it starts included: those
     * requests are the other function's, recorded by its own module's tests.
     */
    public static <T> T fixture(Supplier<T> work) {
        Boolean before = FIXTURE.get();
        FIXTURE.set(Boolean.TRUE);
        try {
            return work.get();
        } finally {
            FIXTURE.set(before);
        }
    }

    static boolean madeByFunctionCode() {
        return StackWalker.getInstance()
                .walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                        .filter(c -> c.startsWith(PROJECT) && !c.equals(AwsRequestRecorder.class.getName()))
                        .filter(c -> !c.startsWith(PROJECT + "core.")
                                || c.endsWith("FunctionHandler")
                                || c.endsWith("ApiHandler"))
                        .findFirst()
                        .map(c -> !(c.startsWith(PROJECT + "testkit.")
                                || c.startsWith(PROJECT + "tooling.")
                                || c.endsWith("IT")
                                || c.endsWith("Test")
                                || c.contains("IT$")
                                || c.contains("Test$")))
                        .orElse(true));
    }

    /** One entry per action IAM evaluates for the request. */
    static List<Map<String, Object>> requests(String service, String operation, SdkRequest request) {
        List<Map<String, Object>> out = new ArrayList<>();
        switch (service.replace(" ", "").toLowerCase(java.util.Locale.ROOT)) {
            case "dynamodb" -> {
                if (request instanceof TransactWriteItemsRequest t) {
                    for (TransactWriteItem item : t.transactItems()) {
                        if (item.put() != null) {
                            out.add(entry(
                                    "dynamodb:PutItem", "table", item.put().tableName(), null));
                        } else if (item.update() != null) {
                            out.add(entry(
                                    "dynamodb:UpdateItem",
                                    "table",
                                    item.update().tableName(),
                                    null));
                        } else if (item.delete() != null) {
                            out.add(entry(
                                    "dynamodb:DeleteItem",
                                    "table",
                                    item.delete().tableName(),
                                    null));
                        } else if (item.conditionCheck() != null) {
                            out.add(entry(
                                    "dynamodb:ConditionCheckItem",
                                    "table",
                                    item.conditionCheck().tableName(),
                                    null));
                        }
                    }
                } else if (request instanceof TransactGetItemsRequest t) {
                    t.transactItems()
                            .forEach(i -> out.add(
                                    entry("dynamodb:GetItem", "table", i.get().tableName(), null)));
                } else if (request instanceof BatchGetItemRequest b) {
                    b.requestItems()
                            .keySet()
                            .forEach(table -> out.add(entry("dynamodb:BatchGetItem", "table", table, null)));
                } else if (request instanceof BatchWriteItemRequest b) {
                    b.requestItems()
                            .keySet()
                            .forEach(table -> out.add(entry("dynamodb:BatchWriteItem", "table", table, null)));
                } else {
                    String table =
                            request.getValueForField("TableName", String.class).orElse("");
                    String index =
                            request.getValueForField("IndexName", String.class).orElse(null);
                    out.add(
                            index == null
                                    ? entry("dynamodb:" + operation, "table", table, null)
                                    : entry("dynamodb:" + operation, "index", table + "/index/" + index, null));
                }
            }
            case "kms" -> {
                Map<String, String> ctx = new LinkedHashMap<>();
                request.getValueForField("EncryptionContext", Map.class)
                        .ifPresent(m -> m.forEach((k, v) -> ctx.put(String.valueOf(k), String.valueOf(v))));
                String key = request.getValueForField("KeyId", String.class).orElse("");
                out.add(entry("kms:" + operation, "key", key, ctx));
            }
            case "secretsmanager" ->
                out.add(entry(
                        "secretsmanager:" + operation,
                        "secret",
                        request.getValueForField("SecretId", String.class).orElse(""),
                        null));
            default -> out.add(entry(service + ":" + operation, "other", "", null));
        }
        return out;
    }

    private static Map<String, Object> entry(String action, String kind, String name, Map<String, String> context) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("action", action);
        e.put("kind", kind);
        e.put("name", name);
        if (context != null) {
            e.put("encryption_context", context);
        }
        return e;
    }

    private static String json(Map<String, Object> e) {
        try {
            return dev.hydracore.voice.core.Json.MAPPER.writeValueAsString(e);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static synchronized void write(List<String> lines) {
        try {
            Path out = OUT.orElseThrow();
            Files.createDirectories(out.getParent());
            Files.writeString(
                    out,
                    String.join("\n", lines) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot record an AWS request: " + e.getMessage(), e);
        }
    }
}
