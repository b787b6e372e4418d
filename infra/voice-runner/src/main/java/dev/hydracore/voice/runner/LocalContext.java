package dev.hydracore.voice.runner;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The Lambda {@link Context} of one local invocation; its logger writes to stderr, as Lambda's goes to the logs. */
final class LocalContext implements Context {
    private final FunctionConfig config;
    private final String requestId;
    private final long deadlineEpochMillis;
    private final LambdaLogger logger;

    LocalContext(FunctionConfig config, String requestId, long deadlineEpochMillis, PrintStream logs) {
        this.config = config;
        this.requestId = requestId;
        this.deadlineEpochMillis = deadlineEpochMillis;
        this.logger = new LambdaLogger() {
            @Override
            public void log(String message) {
                logs.print(message);
                logs.flush();
            }

            @Override
            public void log(byte[] message) {
                log(new String(message, StandardCharsets.UTF_8));
            }
        };
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return config.logGroup();
    }

    @Override
    public String getLogStreamName() {
        return config.logStream();
    }

    @Override
    public String getFunctionName() {
        return config.name();
    }

    @Override
    public String getFunctionVersion() {
        return config.version();
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:" + config.region() + ":123456789012:function:" + config.name();
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.max(0, deadlineEpochMillis - System.currentTimeMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return config.memoryMb();
    }

    @Override
    public LambdaLogger getLogger() {
        return logger;
    }
}
