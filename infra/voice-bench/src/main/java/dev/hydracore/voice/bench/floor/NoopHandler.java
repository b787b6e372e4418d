package dev.hydracore.voice.bench.floor;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bench's floor: a stream handler that reads its event and answers a constant, run exactly as a
 * function is (AWS's runtime client, the same JVM options, an AOT cache of its own). Its cold start
 * is what any Java function pays before its own code: JVM start, the client's start, one invocation.
 */
public final class NoopHandler implements RequestStreamHandler {
    private static final byte[] ANSWER = "{\"statusCode\":200,\"body\":\"\"}".getBytes(StandardCharsets.UTF_8);

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        output.write(ANSWER);
    }
}
