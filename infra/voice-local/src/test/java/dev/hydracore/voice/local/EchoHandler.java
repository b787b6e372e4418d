package dev.hydracore.voice.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A test function run by AWS's runtime interface client in its own JVM: answers with the event it received
 * (base64 body), plus multi-value headers and cookies for the response mapping. Some paths
 * misbehave on purpose: /fail throws, /malformed answers a broken proxy response, /sleep outlives
 * the function's timeout. No Jackson: a function JVM has only what its code brings.
 */
public final class EchoHandler implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] event = input.readAllBytes();
        String text = new String(event, StandardCharsets.UTF_8);
        if (text.contains("\"rawPath\":\"/fail\"")) {
            throw new IllegalStateException("asked to fail");
        }
        if (text.contains("\"rawPath\":\"/malformed\"")) {
            output.write("{\"statusCode\":\"two hundred\",\"body\":42}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (text.contains("\"rawPath\":\"/huge\"")) {
            // Over Lambda's 6 MB response limit.
            output.write(("{\"statusCode\":200,\"body\":\"" + "x".repeat(RuntimeApi.MAX_PAYLOAD_BYTES) + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (text.contains("\"rawPath\":\"/sleep\"")) {
            try {
                Thread.sleep(context.getRemainingTimeInMillis() + 5_000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (text.contains("\"rawPath\":\"/whoami\"")) {
            String who = "{\"pid\":" + ProcessHandle.current().pid() + ",\"function\":\"" + context.getFunctionName()
                    + "\",\"endpoint\":\"" + System.getenv("AWS_ENDPOINT_URL") + "\",\"home\":\""
                    + System.getenv("HOME") + "\"}";
            output.write(("{\"statusCode\":200,\"body\":\""
                            + Base64.getEncoder().encodeToString(who.getBytes(StandardCharsets.UTF_8))
                            + "\",\"isBase64Encoded\":true}")
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        String response = "{\"statusCode\":200,"
                + "\"headers\":{\"content-type\":\"application/json\",\"x-echo\":\"yes\"},"
                + "\"multiValueHeaders\":{\"x-multi\":[\"a\",\"b\"]},"
                + "\"cookies\":[\"c1=v1\",\"c2=v2; Path=/\"],"
                + "\"body\":\"" + Base64.getEncoder().encodeToString(event) + "\",\"isBase64Encoded\":true}";
        output.write(response.getBytes(StandardCharsets.UTF_8));
    }
}
