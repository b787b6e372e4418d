package dev.hydracore.voice.local.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.CfnTemplate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * One {@code Type: Schedule} event of a template.yaml function, as SAM turns it into an EventBridge
 * rule: its expression, whether it is enabled ({@code Enabled}, or {@code State}), the rule's name
 * ({@code Name}, else the stack name and SAM's logical id for the rule) and the constant
 * {@code Input} that replaces the scheduled event when given. Properties may use Ref/Sub/If on
 * parameters. Keys the local runtime has no use for (RetryPolicy, DeadLetterConfig, Description…)
 * are ignored.
 */
public record TemplateSchedule(
        String functionId,
        String eventName,
        ScheduleExpression expression,
        boolean enabled,
        String ruleName,
        Optional<String> input) {

    /** Every Schedule event of every function; {@code refs} resolves parameters and pseudo parameters. */
    public static List<TemplateSchedule> fromTemplate(
            CfnTemplate template, String stackName, Function<String, String> refs) {
        List<TemplateSchedule> out = new ArrayList<>();
        template.resources("AWS::Serverless::Function")
                .forEach((functionId, resource) -> resource.path("Properties")
                        .path("Events")
                        .properties()
                        .forEach(e -> {
                            if (e.getValue().path("Type").asText().equals("Schedule")) {
                                out.add(of(
                                        template,
                                        stackName,
                                        functionId,
                                        e.getKey(),
                                        e.getValue().path("Properties"),
                                        refs));
                            }
                        }));
        return out;
    }

    private static TemplateSchedule of(
            CfnTemplate template,
            String stackName,
            String functionId,
            String eventName,
            JsonNode p,
            Function<String, String> refs) {
        String where = functionId + " event " + eventName;
        String expression = value(template, p, "Schedule", refs)
                .orElseThrow(
                        () -> new IllegalArgumentException(where + ": a Schedule event needs Properties.Schedule"));
        ScheduleExpression parsed;
        try {
            parsed = ScheduleExpression.parse(expression);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        boolean enabled = value(template, p, "Enabled", refs)
                        .map(v -> !v.equalsIgnoreCase("false"))
                        .orElse(true)
                && value(template, p, "State", refs)
                        .map(v -> !v.toUpperCase(Locale.ROOT).startsWith("DISABLED"))
                        .orElse(true);
        String ruleName = value(template, p, "Name", refs).orElse(stackName + "-" + functionId + eventName);
        Optional<String> input = value(template, p, "Input", refs);
        input.ifPresent(i -> {
            try {
                Json.MAPPER.readTree(i);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        where + ": Input must be a JSON text (EventBridge delivers it as the event)");
            }
        });
        return new TemplateSchedule(functionId, eventName, parsed, enabled, ruleName, input);
    }

    private static Optional<String> value(
            CfnTemplate template, JsonNode properties, String name, Function<String, String> refs) {
        JsonNode v = properties.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.ofNullable(template.evaluateIn(v, refs));
    }

    /** {@code VoiceSweeperFunction.Sweep}: how logs name it. */
    public String label() {
        return functionId + "." + eventName;
    }
}
