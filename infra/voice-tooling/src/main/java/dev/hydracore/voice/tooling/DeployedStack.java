package dev.hydracore.voice.tooling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.CloudFormationClientBuilder;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackResourceSummary;

/**
 * What a deployed stack's references resolve to ({@code ./hydra local --stack NAME}): the physical id
 * of every resource CloudFormation made (a Ref's value: the table's name with CloudFormation's
 * suffix, the KMS key's id, the secret's ARN), the ARNs a GetAtt may ask for, the stack's parameter
 * values over the template's defaults, and the pseudo parameters. Nothing is created: the functions
 * run against what the stack holds. Read with CloudFormation's DescribeStacks and
 * ListStackResources, DynamoDB's DescribeTable and KMS's DescribeKey.
 */
public final class DeployedStack {
    /** What the functions' environments name: a stack without them was not made from this template. */
    private static final List<String> NEEDED = List.of("VoiceTable", "CredentialsKey", "ApiKeyPepper");

    private DeployedStack() {}

    /** The stack's resources as {@link LocalResources}, for {@code template}'s functions. */
    public static LocalResources read(CfnTemplate template, LocalAws aws, String stackName) {
        try (CloudFormationClient cf = client(aws)) {
            List<Stack> stacks = cf.describeStacks(r -> r.stackName(stackName)).stacks();
            if (stacks.isEmpty()) {
                throw new IllegalArgumentException("no stack " + stackName);
            }
            Stack stack = stacks.getFirst();
            String status = stack.stackStatusAsString();
            if (!status.endsWith("_COMPLETE") || status.startsWith("DELETE") || status.contains("ROLLBACK")) {
                throw new IllegalArgumentException(
                        "stack " + stackName + " is " + status + ", not CREATE_COMPLETE or UPDATE_COMPLETE");
            }
            Map<String, String> refs = new LinkedHashMap<>();
            // arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
            String[] arn = stack.stackId().split(":", 6);
            refs.put("AWS::StackName", stack.stackName());
            refs.put("AWS::Region", aws.region());
            refs.put("AWS::AccountId", arn.length > 4 ? arn[4] : "");
            refs.put("AWS::Partition", arn.length > 1 ? arn[1] : "aws");
            refs.put("AWS::URLSuffix", "amazonaws.com");
            refs.putAll(template.parameterDefaults());
            stack.parameters().forEach(p -> refs.put(p.parameterKey(), p.parameterValue()));
            List<StackResourceSummary> resources = new ArrayList<>();
            cf.listStackResourcesPaginator(r -> r.stackName(stackName))
                    .stackResourceSummaries()
                    .forEach(resources::add);
            for (StackResourceSummary r : resources) {
                if (r.physicalResourceId() != null) {
                    refs.put(r.logicalResourceId(), r.physicalResourceId());
                }
            }
            List<String> missing =
                    NEEDED.stream().filter(id -> !refs.containsKey(id)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(
                        "stack " + stackName + " has no " + missing + ": was it deployed from this template.yaml?");
            }
            for (String id : template.resources("AWS::DynamoDB::Table").keySet()) {
                if (refs.containsKey(id)) {
                    refs.put(
                            id + ".Arn",
                            aws.clients()
                                    .dynamo()
                                    .describeTable(d -> d.tableName(refs.get(id)))
                                    .table()
                                    .tableArn());
                }
            }
            for (String id : template.resources("AWS::KMS::Key").keySet()) {
                if (refs.containsKey(id)) {
                    String keyArn = aws.clients()
                            .kms()
                            .describeKey(d -> d.keyId(refs.get(id)))
                            .keyMetadata()
                            .arn();
                    refs.put(id + ".Arn", keyArn);
                    refs.put(id + ".KeyId", refs.get(id));
                }
            }
            return new LocalResources(stack.stackName(), aws.region(), refs);
        }
    }

    private static CloudFormationClient client(LocalAws aws) {
        CloudFormationClientBuilder b = CloudFormationClient.builder()
                .region(Region.of(aws.region()))
                .credentialsProvider(aws.credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        if (aws.endpoint() != null) {
            b.endpointOverride(aws.endpoint());
        }
        return b.build();
    }
}
