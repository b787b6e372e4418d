package dev.hydracore.voice.core.channel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.http.ErrorDetail;
import java.math.BigDecimal;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Setup's {@code max_concurrent_calls}: the most calls a channel takes at once. Read as pydantic v2
 * reads an {@code Optional[int]} with {@code ge=0, le=10000} in lax mode (what the reference's
 * FastAPI model would do): a JSON integer, a float with no fractional part, a boolean, or a string
 * of digits (sign, surrounding spaces, {@code _} between digits and a {@code .0} tail allowed).
 * {@code 0} means "no limit" (it removes a stored one); {@code null} or absent keeps what is stored.
 */
public final class CallLimit {
    public static final String FIELD = "max_concurrent_calls";
    public static final long MAX = 10_000;
    /** What a request sends to remove the stored limit. */
    public static final long REMOVE = 0;

    static final String NOT_AN_INTEGER = "Input should be a valid integer";
    static final String UNPARSABLE = "Input should be a valid integer, unable to parse string as an integer";
    static final String FRACTIONAL = "Input should be a valid integer, got a number with a fractional part";
    static final String TOO_SMALL = "Input should be greater than or equal to 0";
    static final String TOO_LARGE = "Input should be less than or equal to " + MAX;
    private static final Pattern INTEGER_STRING = Pattern.compile("\\s*([+-]?[0-9]+(?:_[0-9]+)*)(?:\\.0+)?\\s*");

    private CallLimit() {}

    /** {@code value} is the field's JSON value, neither absent nor {@code null}. */
    public static Parsed parse(JsonNode value) {
        BigDecimal number;
        if (value.isBoolean()) {
            number = value.booleanValue() ? BigDecimal.ONE : BigDecimal.ZERO;
        } else if (value.isIntegralNumber()) {
            number = new BigDecimal(value.bigIntegerValue());
        } else if (value.isNumber()) {
            number = value.decimalValue();
            if (number.stripTrailingZeros().scale() > 0) {
                return problem(FRACTIONAL, "int_from_float");
            }
        } else if (value.isTextual()) {
            var m = INTEGER_STRING.matcher(value.textValue());
            if (!m.matches()) {
                return problem(UNPARSABLE, "int_parsing");
            }
            number = new BigDecimal(m.group(1).replace("_", ""));
        } else {
            return problem(NOT_AN_INTEGER, "int_type");
        }
        if (number.signum() < 0) {
            return problem(TOO_SMALL, "greater_than_equal");
        }
        if (number.compareTo(BigDecimal.valueOf(MAX)) > 0) {
            return problem(TOO_LARGE, "less_than_equal");
        }
        return new Parsed(OptionalLong.of(number.longValueExact()), null);
    }

    private static Parsed problem(String msg, String type) {
        return new Parsed(OptionalLong.empty(), ErrorDetail.of(msg, type, "body", FIELD));
    }

    /** What one sent value says: the limit (0 = remove), or the one problem with it. */
    public record Parsed(OptionalLong limit, ErrorDetail problem) {}
}
