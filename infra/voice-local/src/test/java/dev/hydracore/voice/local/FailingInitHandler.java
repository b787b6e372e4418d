package dev.hydracore.voice.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.InputStream;
import java.io.OutputStream;

/** A test function whose constructor fails: Lambda's init error. */
public final class FailingInitHandler implements RequestStreamHandler {
    public FailingInitHandler() {
        throw new IllegalStateException("cannot initialize");
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        throw new AssertionError("never built");
    }
}
