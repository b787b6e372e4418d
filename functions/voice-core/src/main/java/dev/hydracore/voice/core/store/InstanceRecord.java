package dev.hydracore.voice.core.store;

import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** An instance registration and, when configured, its voice channel (one item, one read). */
public record InstanceRecord(String instanceId, String tenantId, Optional<ChannelRecord> channel) {

    public static InstanceRecord fromItem(Map<String, AttributeValue> item) {
        return new InstanceRecord(
                TableLayout.str(item, TableLayout.INSTANCE_ID),
                TableLayout.str(item, TableLayout.TENANT_ID),
                ChannelRecord.fromItem(item));
    }
}
