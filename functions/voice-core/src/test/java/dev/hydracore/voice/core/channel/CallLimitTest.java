package dev.hydracore.voice.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * max_concurrent_calls read as pydantic v2 (2.13) reads {@code Optional[Annotated[int, Field(ge=0, le=10000)]]}
 * in lax mode: each vector below is what {@code model_validate_json} answered for that JSON value.
 */
class CallLimitTest {

    static CallLimit.Parsed parse(String json) throws Exception {
        return CallLimit.parse(Json.MAPPER.readTree(json));
    }

    static void accepted(String json, long expected) throws Exception {
        CallLimit.Parsed p = parse(json);
        assertNull(p.problem(), json);
        assertEquals(OptionalLong.of(expected), p.limit(), json);
    }

    static void refused(String json, String type, String msg) throws Exception {
        CallLimit.Parsed p = parse(json);
        assertEquals(OptionalLong.empty(), p.limit(), json);
        assertEquals(ErrorDetail.of(msg, type, "body", "max_concurrent_calls"), p.problem(), json);
    }

    @Test
    void integersAndWhatPydanticLaxModeCoercesToThem() throws Exception {
        accepted("5", 5);
        accepted("0", 0);
        accepted("10000", 10000);
        accepted("5.0", 5);
        accepted("10000.0", 10000);
        accepted("1e3", 1000);
        accepted("-0.0", 0);
        accepted("true", 1);
        accepted("false", 0);
        accepted("\"5\"", 5);
        accepted("\" 7 \"", 7);
        accepted("\"+5\"", 5);
        accepted("\"0005\"", 5);
        accepted("\"5.00\"", 5);
        accepted("\"1_000\"", 1000);
        accepted("\"1_0.0\"", 10);
        accepted("\"-0\"", 0);
    }

    @Test
    void outOfRangeValues() throws Exception {
        refused("-1", "greater_than_equal", "Input should be greater than or equal to 0");
        refused("\"-3\"", "greater_than_equal", "Input should be greater than or equal to 0");
        refused("10001", "less_than_equal", "Input should be less than or equal to 10000");
        refused("99999999999999999999999", "less_than_equal", "Input should be less than or equal to 10000");
    }

    @Test
    void valuesThatAreNoInteger() throws Exception {
        refused("5.5", "int_from_float", "Input should be a valid integer, got a number with a fractional part");
        for (String s : List.of(
                "\"abc\"",
                "\"\"",
                "\"5.5\"",
                "\"5.\"",
                "\"1e3\"",
                "\"0x10\"",
                "\"_5\"",
                "\"5__0\"",
                "\"5.0e0\"",
                "\"\\u0663\"")) {
            refused(s, "int_parsing", "Input should be a valid integer, unable to parse string as an integer");
        }
        refused("[]", "int_type", "Input should be a valid integer");
        refused("{}", "int_type", "Input should be a valid integer");
    }

    @Test
    void setupReportsABadLimitWithTheOtherProblemsAndAGoodOneReachesTheStoredConfig() throws Exception {
        ValidationException e = assertThrows(
                ValidationException.class,
                () -> SetupRequest.of(
                                Json.MAPPER.readTree(
                                        "{\"provider\":\"retell\",\"api_key\":7,\"agent_id\":\"a\",\"phone_number\":\"+14155550100\",\"max_concurrent_calls\":-2}"))
                        .mergeOnto(Optional.empty()));
        assertEquals(
                List.of(
                        ErrorDetail.of("Input should be a valid string", "string_type", "body", "api_key"),
                        ErrorDetail.of(
                                "Input should be greater than or equal to 0",
                                "greater_than_equal",
                                "body",
                                "max_concurrent_calls")),
                e.errors());
        String valid = "{\"api_key\":\"key_0123456789abcdef\",\"agent_id\":\"a\",\"phone_number\":\"+14155550100\"";
        assertEquals(
                OptionalLong.of(7),
                config(valid + ",\"max_concurrent_calls\":7}").limit());
        assertEquals(
                OptionalLong.of(0),
                config(valid + ",\"max_concurrent_calls\":0}").limit(),
                "0 removes");
        assertEquals(
                OptionalLong.empty(),
                config(valid + ",\"max_concurrent_calls\":null}").limit(),
                "null keeps");
        assertEquals(OptionalLong.empty(), config(valid + "}").limit(), "omitted keeps");
    }

    static dev.hydracore.voice.core.store.ChannelStore.ChannelConfig config(String body) throws Exception {
        return SetupRequest.of(Json.MAPPER.readTree(body))
                .mergeOnto(Optional.empty())
                .toConfig("https://x.invalid", null);
    }
}
