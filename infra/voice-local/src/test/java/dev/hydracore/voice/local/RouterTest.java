package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    private final Router router = new Router(List.of(
            new HttpRoute("GET", "/v1/instances/{instance_id}/channels/voice", "Status"),
            new HttpRoute("POST", "/v1/instances/{instance_id}/channels/voice", "Setup"),
            new HttpRoute("GET", "/v1/instances/{instance_id}/channels/voice/calls", "Calls"),
            new HttpRoute("POST", "/v1/webhooks/voice/{instance_id}", "Webhook"),
            new HttpRoute("ANY", "/files/{proxy+}", "Files"),
            new HttpRoute("GET", "/files/readme", "Readme")));

    private Router.Match match(String method, String path) {
        return assertInstanceOf(Router.Match.class, router.route(method, path));
    }

    @Test
    void picksTheRouteByMethodAndPathWithDecodedParameters() {
        Router.Match m = match("GET", "/v1/instances/AB%2DC/channels/voice");
        assertEquals("Status", m.route().functionId());
        assertEquals(Map.of("instance_id", "AB-C"), m.pathParameters());
        assertEquals(
                "Setup", match("POST", "/v1/instances/x/channels/voice").route().functionId());
        assertEquals(
                "Calls",
                match("GET", "/v1/instances/x/channels/voice/calls").route().functionId());
    }

    @Test
    void literalSegmentsBeatGreedyOnesAndGreedyTakesTheRest() {
        assertEquals("Readme", match("GET", "/files/readme").route().functionId());
        Router.Match greedy = match("DELETE", "/files/a/b+c");
        assertEquals("Files", greedy.route().functionId());
        assertEquals(Map.of("proxy", "a/b+c"), greedy.pathParameters());
        assertInstanceOf(Router.NotFound.class, router.route("GET", "/files"), "{proxy+} needs at least one segment");
    }

    @Test
    void otherMethodsOnAKnownPathAre405AndTheRestIs404() {
        Router.MethodNotAllowed m = assertInstanceOf(
                Router.MethodNotAllowed.class, router.route("DELETE", "/v1/instances/x/channels/voice"));
        assertEquals(List.of("GET", "POST"), m.allowed());
        assertInstanceOf(Router.NotFound.class, router.route("GET", "/v1/instances/x/channels"));
        assertInstanceOf(
                Router.NotFound.class, router.route("GET", "/v1/instances//channels/voice"), "empty parameter");
        assertInstanceOf(
                Router.NotFound.class, router.route("GET", "/v1/instances/x/channels/voice/"), "trailing slash");
    }

    @Test
    void theDefaultRouteTakesWhatNoOtherRouteDoes() {
        Router withDefault =
                new Router(List.of(new HttpRoute("GET", "/a", "A"), new HttpRoute("ANY", HttpRoute.DEFAULT_PATH, "D")));
        Router.Match m = assertInstanceOf(Router.Match.class, withDefault.route("POST", "/anything"));
        assertEquals("D", m.route().functionId());
        assertEquals("$default", m.route().routeKey());
    }
}
