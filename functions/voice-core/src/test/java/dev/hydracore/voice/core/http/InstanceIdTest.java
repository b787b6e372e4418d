package dev.hydracore.voice.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class InstanceIdTest {
    @Test
    void acceptsAnyVersionEitherCaseAndLowerCasesIt() {
        assertEquals("497f6eca-6276-4993-bfeb-53cbbbba6f08", InstanceId.parse("497F6ECA-6276-4993-BFEB-53CBBBBA6F08"));
        assertEquals("00000000-0000-0000-0000-000000000000", InstanceId.parse("00000000-0000-0000-0000-000000000000"));
        assertTrue(InstanceId.isValid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"));
    }

    @Test
    void rejectsEverythingElseWithoutEchoingIt() {
        for (String bad : List.of(
                "",
                "497f6eca62764993bfeb53cbbbba6f08",
                "{497f6eca-6276-4993-bfeb-53cbbbba6f08}",
                "497f6eca-6276-4993-bfeb-53cbbbba6f0z",
                "497f6eca-6276-4993-bfeb_53cbbbba6f08",
                "497f6eca-6276-4993-bfeb-53cbbbba6f0\u0663",
                "497f6eca-6276-4993-bfeb-53cbbbba6f0\uff21",
                " 497f6eca-6276-4993-bfeb-53cbbbba6f0")) {
            ValidationException e = assertThrows(ValidationException.class, () -> InstanceId.parse(bad), bad);
            ErrorDetail d = e.errors().getFirst();
            assertEquals(List.of("path", "instance_id"), d.loc());
            assertEquals("uuid_parsing", d.type());
            assertTrue(d.msg().startsWith("Input should be a valid UUID, "));
            if (!bad.isEmpty()) {
                assertFalse(d.msg().contains(bad));
            }
        }
        assertFalse(InstanceId.isValid(null));
    }
}
