package dev.hydracore.voice.core.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/** DynamoDB's paging loop, once: every page of a Query, in order. */
final class Paging {
    private Paging() {}

    /** Runs {@code query} page by page ({@code pageLimit}: items per page, when set), handing each page's items on. */
    static void forEachPage(
            DynamoDbClient dynamo,
            QueryRequest.Builder query,
            Optional<Integer> pageLimit,
            Consumer<List<Map<String, AttributeValue>>> page) {
        pageLimit.ifPresent(query::limit);
        Map<String, AttributeValue> start = null;
        do {
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse r = dynamo.query(query.build());
            page.accept(r.items());
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
    }
}
