package dev.hydracore.voice.tooling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.aws.AwsClients;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.AliasListEntry;
import software.amazon.awssdk.services.kms.model.CreateKeyResponse;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Creates template.yaml's tables (keys, indexes, TTL), KMS keys with their aliases, and secrets
 * (with a generated value) at an emulator, so local resources are the template's resources.
 * Names follow CloudFormation's: an explicit name property when the template gives one, else
 * {@code <stack>-<LogicalId>}. Idempotent: what exists is left as it is.
 */
public final class Bootstrap {
    public static final String DEFAULT_STACK = "hydracore-voice";
    private static final String ACCOUNT = "123456789012";

    private final CfnTemplate template;
    private final AwsClients aws;
    private final String stackName;
    private final String region;

    public Bootstrap(CfnTemplate template, AwsClients aws, String stackName, String region) {
        this.template = template;
        this.aws = aws;
        this.stackName = stackName;
        this.region = region;
    }

    /** The stack name local runs use: HYDRA_STACK_NAME, or the default. */
    public static String stackName() {
        String s = System.getenv("HYDRA_STACK_NAME");
        return s == null || s.isBlank() ? DEFAULT_STACK : s.trim();
    }

    /** Bootstraps and returns what every Ref/GetAtt of the template resolves to locally. */
    public LocalResources run() {
        Map<String, String> refs = new LinkedHashMap<>(pseudoParameters());
        refs.putAll(template.parameterDefaults());
        createTables(refs);
        createKeys(refs);
        createSecrets(refs);
        return new LocalResources(stackName, region, refs);
    }

    /** The names alone, without touching AWS (for the admin CLI against an emulator). */
    public static Map<String, String> expectedNames(CfnTemplate template, String stackName) {
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, String> refs = new HashMap<>();
        refs.put("AWS::StackName", stackName);
        refs.put("AWS::Region", LocalAws.REGION);
        refs.put("AWS::AccountId", ACCOUNT);
        refs.put("AWS::Partition", "aws");
        template.resources("AWS::DynamoDB::Table")
                .forEach((id, r) ->
                        names.put(id, physicalName(r.path("Properties").get("TableName"), stackName, id, refs)));
        template.resources("AWS::SecretsManager::Secret")
                .forEach((id, r) ->
                        names.put(id, physicalName(r.path("Properties").get("Name"), stackName, id, refs)));
        return names;
    }

    private Map<String, String> pseudoParameters() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("AWS::StackName", stackName);
        p.put("AWS::Region", region);
        p.put("AWS::AccountId", ACCOUNT);
        p.put("AWS::Partition", "aws");
        p.put("AWS::URLSuffix", "amazonaws.com");
        return p;
    }

    private static String physicalName(
            JsonNode nameProperty, String stackName, String logicalId, Map<String, String> refs) {
        if (nameProperty != null && !nameProperty.isNull()) {
            return CfnTemplate.evaluate(nameProperty, refs::get);
        }
        return stackName + "-" + logicalId;
    }

    private void createTables(Map<String, String> refs) {
        DynamoDbClient ddb = aws.dynamo();
        template.resources("AWS::DynamoDB::Table").forEach((id, resource) -> {
            JsonNode p = resource.path("Properties");
            String name = physicalName(p.get("TableName"), stackName, id, refs);
            String arn;
            try {
                arn = ddb.describeTable(r -> r.tableName(name)).table().tableArn();
            } catch (ResourceNotFoundException e) {
                arn = ddb.createTable(createRequest(name, p)).tableDescription().tableArn();
                ddb.waiter().waitUntilTableExists(r -> r.tableName(name));
            }
            JsonNode ttl = p.path("TimeToLiveSpecification");
            if (ttl.path("Enabled").asBoolean(false)) {
                TimeToLiveStatus status = ddb.describeTimeToLive(r -> r.tableName(name))
                        .timeToLiveDescription()
                        .timeToLiveStatus();
                if (status != TimeToLiveStatus.ENABLED && status != TimeToLiveStatus.ENABLING) {
                    ddb.updateTimeToLive(r -> r.tableName(name)
                            .timeToLiveSpecification(s -> s.attributeName(
                                            ttl.path("AttributeName").asText())
                                    .enabled(true)));
                }
            }
            refs.put(id, name);
            refs.put(id + ".Arn", arn);
        });
    }

    private static CreateTableRequest createRequest(String name, JsonNode p) {
        List<AttributeDefinition> attributes = new ArrayList<>();
        p.path("AttributeDefinitions")
                .forEach(a -> attributes.add(AttributeDefinition.builder()
                        .attributeName(a.path("AttributeName").asText())
                        .attributeType(a.path("AttributeType").asText())
                        .build()));
        CreateTableRequest.Builder b = CreateTableRequest.builder()
                .tableName(name)
                .attributeDefinitions(attributes)
                .keySchema(keySchema(p.path("KeySchema")))
                .billingMode(BillingMode.fromValue(p.path("BillingMode").asText("PAY_PER_REQUEST")));
        List<GlobalSecondaryIndex> gsis = new ArrayList<>();
        p.path("GlobalSecondaryIndexes")
                .forEach(g -> gsis.add(GlobalSecondaryIndex.builder()
                        .indexName(g.path("IndexName").asText())
                        .keySchema(keySchema(g.path("KeySchema")))
                        .projection(projection(g.path("Projection")))
                        .build()));
        if (!gsis.isEmpty()) {
            b.globalSecondaryIndexes(gsis);
        }
        List<LocalSecondaryIndex> lsis = new ArrayList<>();
        p.path("LocalSecondaryIndexes")
                .forEach(l -> lsis.add(LocalSecondaryIndex.builder()
                        .indexName(l.path("IndexName").asText())
                        .keySchema(keySchema(l.path("KeySchema")))
                        .projection(projection(l.path("Projection")))
                        .build()));
        if (!lsis.isEmpty()) {
            b.localSecondaryIndexes(lsis);
        }
        return b.build();
    }

    private static List<KeySchemaElement> keySchema(JsonNode schema) {
        List<KeySchemaElement> out = new ArrayList<>();
        schema.forEach(k -> out.add(KeySchemaElement.builder()
                .attributeName(k.path("AttributeName").asText())
                .keyType(k.path("KeyType").asText())
                .build()));
        return out;
    }

    private static Projection projection(JsonNode p) {
        Projection.Builder b =
                Projection.builder().projectionType(p.path("ProjectionType").asText("ALL"));
        List<String> extra = new ArrayList<>();
        p.path("NonKeyAttributes").forEach(n -> extra.add(n.asText()));
        if (!extra.isEmpty()) {
            b.nonKeyAttributes(extra);
        }
        return b.build();
    }

    /** Each key is found again by its alias; a key without an alias in the template is refused. */
    private void createKeys(Map<String, String> refs) {
        KmsClient kms = aws.kms();
        Map<String, String> aliasByKey = new HashMap<>();
        Map<String, String> aliasLogicalId = new HashMap<>();
        template.resources("AWS::KMS::Alias").forEach((id, a) -> {
            JsonNode target = a.path("Properties").path("TargetKeyId");
            String keyLogicalId = target.has("Ref")
                    ? target.get("Ref").asText()
                    : target.path("Fn::GetAtt").path(0).asText();
            aliasByKey.put(
                    keyLogicalId, CfnTemplate.evaluate(a.path("Properties").path("AliasName"), refs::get));
            aliasLogicalId.put(keyLogicalId, id);
        });
        List<AliasListEntry> existing = new ArrayList<>();
        kms.listAliasesPaginator(r -> {}).aliases().forEach(existing::add);
        template.resources("AWS::KMS::Key").forEach((id, resource) -> {
            String alias = aliasByKey.get(id);
            if (alias == null) {
                throw new IllegalStateException(
                        "KMS key " + id + " has no AWS::KMS::Alias in the template; bootstrap finds keys by alias");
            }
            String keyId = existing.stream()
                    .filter(a -> alias.equals(a.aliasName()) && a.targetKeyId() != null)
                    .map(AliasListEntry::targetKeyId)
                    .findFirst()
                    .orElse(null);
            if (keyId == null) {
                JsonNode p = resource.path("Properties");
                CreateKeyResponse created =
                        kms.createKey(r -> r.description(p.path("Description").asText(""))
                                .keySpec(p.path("KeySpec").asText("SYMMETRIC_DEFAULT"))
                                .keyUsage(p.path("KeyUsage").asText("ENCRYPT_DECRYPT")));
                keyId = created.keyMetadata().keyId();
                String newKey = keyId;
                if (p.path("EnableKeyRotation").asBoolean(false)) {
                    kms.enableKeyRotation(r -> r.keyId(newKey));
                }
                kms.createAlias(r -> r.aliasName(alias).targetKeyId(newKey));
            }
            String finalKeyId = keyId;
            refs.put(id, keyId);
            refs.put(
                    id + ".Arn",
                    kms.describeKey(r -> r.keyId(finalKeyId)).keyMetadata().arn());
            refs.put(id + ".KeyId", keyId);
            refs.put(aliasLogicalId.get(id), alias);
        });
    }

    private void createSecrets(Map<String, String> refs) {
        SecretsManagerClient sm = aws.secrets();
        template.resources("AWS::SecretsManager::Secret").forEach((id, resource) -> {
            JsonNode p = resource.path("Properties");
            String name = physicalName(p.get("Name"), stackName, id, refs);
            String arn;
            try {
                arn = sm.describeSecret(r -> r.secretId(name)).arn();
            } catch (software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException e) {
                JsonNode gen = p.path("GenerateSecretString");
                String value = p.has("SecretString")
                        ? CfnTemplate.evaluate(p.get("SecretString"), refs::get)
                        : generate(
                                gen.path("PasswordLength").asInt(32),
                                gen.path("ExcludePunctuation").asBoolean(false));
                arn = sm.createSecret(r -> r.name(name)
                                .description(p.path("Description").asText(""))
                                .secretString(value))
                        .arn();
            }
            refs.put(id, arn);
            refs.put(id + ".Name", name);
        });
    }

    private static String generate(int length, boolean excludePunctuation) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                + (excludePunctuation ? "" : "!#$%&()*+,-.:;<=>?@[]^_{|}~");
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
